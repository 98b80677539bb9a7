"""Fresh databases and Redis key spaces for a test run; missing services skip, or fail when required."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import asyncpg
import pytest
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from assistme.adapters.persistence.migrations import alembic

T = TypeVar("T")

REQUIRE = os.environ.get("ASSISTME_TEST_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("ASSISTME_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("ASSISTME_TEST_REDIS_URL")


def unavailable(what: str) -> None:
    message = f"{what} is not configured or not reachable (set ASSISTME_TEST_DATABASE_URL / ASSISTME_TEST_REDIS_URL)"
    if REQUIRE:
        pytest.fail(message + " and ASSISTME_TEST_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking code (alembic starts its own event loop) away from the test's running loop."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the caller
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_pg_database() -> str:
    """A new, empty database on the configured server; answers its SQLAlchemy URL."""
    if not PG_URL:
        unavailable("PostgreSQL")
    name = f"assistme_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(_admin_dsn(PG_URL), timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        in_thread(asyncio.run, create())
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(f"PostgreSQL ({exc})")
    return make_url(PG_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database

    async def drop() -> None:
        conn = await asyncpg.connect(_admin_dsn(PG_URL or url), timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    in_thread(asyncio.run, drop())


def migrate(url: str, revision: str = "head") -> None:
    in_thread(lambda: alembic(url).upgrade(revision))


def redis_url() -> str:
    if not REDIS_URL:
        unavailable("Redis")

    async def ping() -> None:
        client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            await client.ping()
        finally:
            await client.aclose()

    try:
        in_thread(asyncio.run, ping())
    except Exception as exc:
        unavailable(f"Redis ({exc})")
    return REDIS_URL


async def clear_redis(url: str, prefix: str) -> None:
    client = Redis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match=prefix + "*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
