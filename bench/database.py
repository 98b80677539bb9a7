"""The benchmark's own PostgreSQL database: created, migrated, seeded, dropped."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import asyncpg

ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent


def dsn(name: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


def sqlalchemy_url(name: str) -> str:
    return dsn(name).replace("postgresql://", "postgresql+asyncpg://", 1)


async def create(name: str) -> None:
    """A fresh database; a leftover of an earlier run of the same name is dropped first."""
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def migrate(env: dict[str, str]) -> None:
    """`assistme db upgrade` against the benchmark database, as an operator would run it."""
    subprocess.run(  # noqa: S603 (our own console script, fixed arguments)
        [str(ROOT / ".venv/bin/assistme"), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
    )


async def server_version(name: str) -> str:
    conn = await asyncpg.connect(dsn(name))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def jwt_key(secret_key: str) -> bytes:
    """The access-token key assistme derives from ASSISTME_SECRET_KEY (adapters/security/digests.py)."""
    from assistme.adapters.security.digests import derive_key

    return derive_key(secret_key, "access-token")
