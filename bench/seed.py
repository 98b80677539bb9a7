"""Realistic data, fast: COPY through asyncpg, one precomputed argon2 hash for every account.

Users 0..``token_users``-1 each own ``FULL_PAGE`` assistants (so S1's page of 20 is full) and get a session and
an access token; the other users share the rest of the assistants. Each assistant carries two built-in tools;
each user has one conversation holding their share of the messages, and their share of the cron jobs.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import jwt
from argon2 import PasswordHasher, Type
from uuid_utils.compat import uuid7

FULL_PAGE = 30
PASSWORD = "bench passphrase 0"  # noqa: S105 (a seeded account's password, local and dropped after the run)
LOCATION = (52.52, 13.405)


@dataclass(frozen=True, slots=True)
class Sizes:
    users: int
    assistants: int
    jobs: int
    messages: int
    token_users: int


@dataclass(slots=True)
class Seeded:
    tokens: list[str]  # one access token per token user
    emails: list[str]  # accounts whose password is PASSWORD
    counts: dict[str, int]


def _hash(time_cost: int, memory_kib: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID).hash(PASSWORD)


def _spread(total: int, users: list[UUID], heavy: int) -> list[UUID]:
    """An owner per row: the first ``heavy`` users own FULL_PAGE each, the rest share what is left."""
    owners = [u for u in users[:heavy] for _ in range(FULL_PAGE)][:total]
    light = users[heavy:] or users
    owners += [light[i % len(light)] for i in range(total - len(owners))]
    return owners


async def seed(
    dsn: str, sizes: Sizes, *, secret_key: bytes, issuer: str, audience: str, argon2: tuple[int, int]
) -> Seeded:
    rnd = random.Random(8)  # noqa: S311 (test data, not secrets)
    now = datetime.now(UTC)
    year = timedelta(days=365)
    password_hash = _hash(*argon2)
    conn = await asyncpg.connect(dsn)
    try:
        tool_ids = [r["id"] for r in await conn.fetch("SELECT id FROM tools WHERE name IN ('time', 'weather')")]
        users = [uuid7() for _ in range(sizes.users)]
        emails = [f"user{i}@bench.example" for i in range(sizes.users)]
        await conn.copy_records_to_table(
            "users",
            columns=[
                "id",
                "email",
                "full_name",
                "password_hash",
                "role",
                "is_active",
                "timezone",
                "location_lat",
                "location_lon",
                "location_name",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    u,
                    emails[i],
                    f"User {i}",
                    password_hash,
                    "user",
                    True,
                    "Europe/Berlin",
                    *LOCATION,
                    "Berlin",
                    now - year,
                    now - year,
                )
                for i, u in enumerate(users)
            ],
        )
        sessions = [uuid7() for _ in range(sizes.token_users)]
        await conn.copy_records_to_table(
            "auth_sessions",
            columns=["id", "user_id", "last_used_at", "expires_at", "user_agent", "ip", "created_at", "updated_at"],
            records=[(s, users[i], now, now + year, "bench", "127.0.0.1", now, now) for i, s in enumerate(sessions)],
        )
        assistants = []
        for owner in _spread(sizes.assistants, users, sizes.token_users):
            made = now - timedelta(seconds=rnd.randrange(int(year.total_seconds())))
            assistants.append(
                (
                    uuid7(),
                    owner,
                    f"Assistant {rnd.randrange(10**6)}",
                    "llama3.1:8b",
                    "You are a helpful assistant. " * 8,
                    "llm",
                    False,
                    "Plans the day",
                    made,
                    made,
                )
            )
        await conn.copy_records_to_table(
            "assistants",
            columns=[
                "id",
                "owner_id",
                "name",
                "model",
                "instructions",
                "assistant_type",
                "is_secretary",
                "description",
                "created_at",
                "updated_at",
            ],
            records=assistants,
        )
        await conn.copy_records_to_table(
            "assistant_tools",
            columns=["assistant_id", "tool_id", "position"],
            records=[(a[0], t, p) for a in assistants for p, t in enumerate(tool_ids)],
        )
        tomorrow = now + timedelta(days=1)
        await conn.copy_records_to_table(
            "cron_jobs",
            columns=[
                "id",
                "owner_id",
                "name",
                "type",
                "cron_expression",
                "timezone",
                "payload",
                "is_active",
                "misfire_policy",
                "next_run_at",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    uuid7(),
                    owner,
                    f"Reminder {i}",
                    "notification",
                    f"{i % 60} {i % 24} * * *",
                    "Europe/Berlin",
                    json.dumps({"message": "stretch"}),
                    True,
                    "skip",
                    tomorrow,
                    now,
                    now,
                )
                for i, owner in enumerate(_spread(sizes.jobs, users, 0))
            ],
        )
        conversations = [uuid7() for _ in users]
        await conn.copy_records_to_table(
            "conversations",
            columns=["id", "owner_id", "title", "created_at", "updated_at"],
            records=[(c, users[i], "Daily planning", now, now) for i, c in enumerate(conversations)],
        )
        await conn.copy_records_to_table(
            "messages",
            columns=["id", "conversation_id", "role", "content", "created_at", "updated_at"],
            records=[
                (
                    uuid7(),
                    conversations[i % len(conversations)],
                    ("user", "assistant")[i % 2],
                    "What is on my calendar today? " * 3,
                    now,
                    now,
                )
                for i in range(sizes.messages)
            ],
        )
        await conn.execute("ANALYZE")
        counts = {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in _TABLES}  # noqa: S608
    finally:
        await conn.close()
    issued = int(now.timestamp())
    tokens = [
        jwt.encode(
            {
                "sub": str(users[i]),
                "sid": str(s),
                "role": "user",
                "iat": issued,
                "exp": issued + 6 * 3600,
                "iss": issuer,
                "aud": audience,
                "typ": "access",
            },
            secret_key,
            algorithm="HS256",
        )
        for i, s in enumerate(sessions)
    ]
    return Seeded(tokens, emails[: sizes.token_users], counts)


_TABLES = ("users", "auth_sessions", "assistants", "assistant_tools", "cron_jobs", "conversations", "messages")
