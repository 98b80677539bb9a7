"""Baseline (a): Litestar over raw asyncpg and msgspec, the ceiling of assistme's database path.

Same work as S1/S2: the JWT and the Redis session check, the same statements, the same JSON shape. No ORM, no
dependency injection, no session: one pooled connection per request.
`uvicorn --factory bench.baselines.raw_litestar:create_app`
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
import msgspec
from litestar import Litestar, Request, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import Parameter
from redis.asyncio import Redis
from uuid_utils.compat import uuid7

from bench.baselines.common import INSERT_SQL, PAGE_SQL, TOOLS_SQL, Denied, Env, load_env, verify

ENV: Env = load_env()


class AssistantOut(msgspec.Struct, kw_only=True):
    id: UUID
    owner_id: UUID
    name: str
    model: str
    instructions: str
    assistant_type: str
    is_secretary: bool
    description: str | None
    tool_ids: list[UUID]
    created_at: datetime
    updated_at: datetime


class PageOut(msgspec.Struct):
    items: list[AssistantOut]
    total: int
    limit: int
    offset: int


class AssistantIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    model: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    instructions: Annotated[str, msgspec.Meta(max_length=32_000)] = ""
    assistant_type: Literal["llm", "openai_api"] = "llm"
    is_secretary: bool = False
    description: Annotated[str, msgspec.Meta(max_length=2_000)] | None = None
    tool_ids: Annotated[list[UUID], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)


class State:
    pool: asyncpg.Pool
    redis: Redis


STATE = State()


async def _user(request: Request) -> UUID:  # type: ignore[type-arg]
    try:
        user_id, session_id = verify(ENV, request.headers.get("authorization"))
    except Denied as exc:
        raise NotAuthorizedException(str(exc)) from None
    if await STATE.redis.exists(ENV.revoked_prefix + str(session_id)):
        raise NotAuthorizedException("the session has ended")
    return user_id


@get("/api/v1/assistants")
async def list_assistants(
    request: Request,  # type: ignore[type-arg]
    limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> PageOut:
    owner = await _user(request)
    async with STATE.pool.acquire() as conn:
        rows = await conn.fetch(PAGE_SQL, owner, limit, offset)
        ids = [r["id"] for r in rows]
        tools: dict[UUID, list[UUID]] = {i: [] for i in ids}
        if ids:
            for assistant_id, tool_id in await conn.fetch(TOOLS_SQL, ids):
                tools[assistant_id].append(tool_id)
    items = [
        AssistantOut(
            id=r["id"],
            owner_id=r["owner_id"],
            name=r["name"],
            model=r["model"],
            instructions=r["instructions"],
            assistant_type=r["assistant_type"],
            is_secretary=r["is_secretary"],
            description=r["description"],
            tool_ids=tools[r["id"]],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]
    return PageOut(items, rows[0]["total"] if rows else 0, limit, offset)


@post("/api/v1/assistants", status_code=201)
async def create_assistant(request: Request, data: AssistantIn) -> AssistantOut:  # type: ignore[type-arg]
    owner = await _user(request)
    now = datetime.now(UTC)
    out = AssistantOut(
        id=uuid7(),
        owner_id=owner,
        name=data.name,
        model=data.model,
        instructions=data.instructions,
        assistant_type=data.assistant_type,
        is_secretary=data.is_secretary,
        description=data.description,
        tool_ids=[],
        created_at=now,
        updated_at=now,
    )
    values = (out.id, owner, out.name, out.model, out.instructions, out.assistant_type, out.is_secretary)
    async with STATE.pool.acquire() as conn, conn.transaction():
        await conn.execute(INSERT_SQL, *values, out.description, now, now)
    return out


@asynccontextmanager
async def lifespan(_app: Litestar) -> AsyncIterator[None]:
    STATE.pool = await asyncpg.create_pool(ENV.database_dsn, min_size=1, max_size=ENV.pool_size)
    STATE.redis = Redis.from_url(ENV.redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        yield
    finally:
        await STATE.redis.aclose()
        await STATE.pool.close()


def create_app() -> Litestar:
    return Litestar([list_assistants, create_assistant], lifespan=[lifespan], logging_config=None, debug=False)
