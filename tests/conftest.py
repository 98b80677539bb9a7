"""Shared fixtures: every API test runs twice, embedded (SQLite, in memory) and served (PostgreSQL, Redis)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from assistme.adapters.persistence.engine import make_engine
from assistme.adapters.persistence.models import orm_registry
from assistme.app import create_app
from assistme.config import Settings
from tests.support import services

pytest_plugins = ("tests.support.fake_servers",)

# Children before parents, so SQLite's row-by-row DELETE meets no foreign key; tools are emptied apart.
TABLES = [t.name for t in reversed(orm_registry.metadata.sorted_tables) if t.name != "tools"]
ADDED_TOOLS = "DELETE FROM tools WHERE NOT is_builtin"  # the built-in ones come with the migrations


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def base_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A migrated, empty database for the whole run, per setup."""
    prefix = f"assistme-test-{uuid.uuid4().hex[:8]}:"
    common: dict[str, object] = {
        "environment": "test",
        "secret_key": "test-secret-" + "x" * 40,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "log_requests": False,
        "scheduler_in_process": False,  # tests drive the scheduler's passes themselves, on their own clock
        "redis_key_prefix": prefix,
        "static_dir": str(Path(tmp_path_factory.mktemp("static"))),
    }
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'assistme.db'}"
        services.migrate(url)
        yield Settings(database_url=url, **common)
        return
    url = services.create_pg_database()
    try:
        services.migrate(url)
        yield Settings(database_url=url, redis_url=services.redis_url(), **common)
    finally:
        services.drop_pg_database(url)


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings


async def _empty(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            if settings.database_url.startswith("postgresql"):
                await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
            else:
                for table in TABLES:
                    await conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
            await conn.execute(text(ADDED_TOOLS))
    finally:
        await engine.dispose()
    if settings.redis_url:
        await services.clear_redis(settings.redis_url, settings.redis_key_prefix)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    yield create_app(settings)
    await _empty(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url="http://testserver.local") as client:
        yield client
