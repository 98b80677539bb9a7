"""The engine on a real PostgreSQL: a server that refuses, a connection it ended and a pool waited out are the core's
``Unavailable`` (503), and a dropped connection is replaced on the next checkout (there is no pre-ping); a
cancellation is left alone."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from assistme.adapters.persistence.engine import make_engine
from assistme.config import Settings
from assistme.core.shared.errors import Unavailable

pytestmark = pytest.mark.parametrize("base_settings", ["postgres"], indirect=True)

BOUND = 5.0  # seconds: an outage answers at once, or within the pool timeout, never after a hang


async def test_a_server_that_refuses_connections_is_unavailable(settings: Settings) -> None:
    refused = make_url(settings.database_url).set(port=1).render_as_string(hide_password=False)
    engine = make_engine(refused)
    try:
        with pytest.raises(Unavailable, match="unreachable") as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert isinstance(caught.value.__cause__, OSError)


async def test_a_connection_the_server_ended_is_unavailable_once_then_replaced(settings: Settings) -> None:
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await _terminate(settings.database_url, pid)  # as a restart does to every pooled connection

        with pytest.raises(Unavailable, match="unreachable"):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        async with engine.connect() as conn:
            again = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    finally:
        await engine.dispose()
    assert again != pid


async def test_waiting_out_the_pool_timeout_is_unavailable(settings: Settings) -> None:
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        async with engine.connect() as held:
            await held.execute(text("SELECT 1"))
            started = time.monotonic()
            with pytest.raises(Unavailable, match="busy"):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            waited = time.monotonic() - started
    finally:
        await engine.dispose()
    assert 0.2 <= waited < BOUND


async def test_a_cancelled_query_stays_a_cancellation_and_its_connection_is_replaced(settings: Settings) -> None:
    """A timeout or a shutdown cancels; turned into Unavailable it would be caught as an error and never end."""
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:

        async def sleep() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(5)"))

        slow = asyncio.create_task(sleep())
        await asyncio.sleep(0.3)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def _terminate(url: str, pid: int) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=BOUND)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()
