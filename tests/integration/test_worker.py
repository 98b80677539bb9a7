"""The hourly session purge, sent through a real broker: in-process on both databases, and through
Redis Streams to a real `taskiq worker` process in the served setup."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import msgspec
import pytest
from dishka import AsyncContainer
from litestar import Litestar
from redis.asyncio import Redis
from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask, ScheduledTask, ScheduleSource
from taskiq_redis import RedisStreamBroker

from assistme.config import Settings
from assistme.core.identity.entities import NewUser
from assistme.core.identity.ports import RefreshTokenRepository, SessionRepository, UserRepository
from assistme.core.shared.uow import UnitOfWork
from assistme.ioc import make_container
from assistme.scheduler import scheduler
from assistme.tasks import PRUNE_HISTORY, PURGE_SESSIONS
from assistme.worker import build_worker

DEADLINE = 20.0  # seconds to wait for a worker process before giving up (a bound, not a measurement)
WORKER = [
    sys.executable,
    "-m",
    "taskiq",
    "worker",
    "--no-configure-logging",
    "assistme.worker:broker",
    "--workers",
    "1",
]


@dataclass
class Seeded:
    live: UUID
    expired: UUID
    revoked: UUID
    expired_token: str


@pytest.fixture
async def container(app: Litestar, settings: Settings) -> AsyncIterator[AsyncContainer]:
    """The app's providers on this test's event loop; ``app`` is here only to empty the tables afterwards."""
    container = make_container(settings)
    yield container
    await container.close()


async def seed_sessions(root: AsyncContainer) -> Seeded:
    """One user with a live, an expired and a revoked session; the expired one holds a refresh token."""
    now = datetime.now(UTC)
    async with root() as container:
        user = await (await container.get(UserRepository)).add(NewUser(f"{uuid.uuid4().hex[:10]}@example.com", None))
        sessions = await container.get(SessionRepository)
        live = await sessions.add(user.id, None, None, now, now + timedelta(days=1))
        expired = await sessions.add(user.id, None, None, now - timedelta(days=31), now - timedelta(days=1))
        revoked = await sessions.add(user.id, None, None, now, now + timedelta(days=1))
        await sessions.revoke([revoked.id], now)
        token = uuid.uuid4().hex
        await (await container.get(RefreshTokenRepository)).add(expired.id, token, expired.expires_at)
        await (await container.get(UnitOfWork)).commit()
    return Seeded(live.id, expired.id, revoked.id, token)


async def surviving(root: AsyncContainer, seeded: Seeded) -> set[str]:
    """Which of the seeded rows are still in the database."""
    async with root() as container:
        sessions = await container.get(SessionRepository)
        found = {name for name in ("live", "expired", "revoked") if await sessions.get(getattr(seeded, name))}
        if await (await container.get(RefreshTokenRepository)).find(seeded.expired_token):
            found.add("expired_token")
    return found


def purge_task(broker: AsyncBroker) -> AsyncTaskiqDecoratedTask[[], int]:
    task = broker.find_task(PURGE_SESSIONS)
    assert task is not None, "the purge task is registered on the broker"
    return task


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not await check():
        assert loop.time() < deadline, f"gave up waiting: {what}"
        await asyncio.sleep(0.2)


async def test_purge_task_removes_expired_and_revoked_sessions_and_keeps_live_ones(
    container: AsyncContainer, settings: Settings
) -> None:
    seeded = await seed_sessions(container)
    broker = build_worker(msgspec.structs.replace(settings, redis_url=None)).broker  # the embedded, in-process broker
    await broker.startup()
    try:
        sent = await purge_task(broker).kiq()
        result = await sent.wait_result(timeout=DEADLINE)
    finally:
        await broker.shutdown()

    assert not result.is_err, result.error
    assert result.return_value >= 2
    assert await surviving(container, seeded) == {"live"}  # the expired session's refresh token went with it


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTME_")}
    for name in ("environment", "database_url", "redis_url", "redis_key_prefix", "secret_key"):
        env[f"ASSISTME_{name.upper()}"] = str(getattr(settings, name))
    return env


@pytest.mark.parametrize("base_settings", ["postgres"], indirect=True)
async def test_task_sent_before_a_worker_starts_is_run_by_the_worker_process_and_acknowledged(
    container: AsyncContainer, settings: Settings, tmp_path: Path
) -> None:
    seeded = await seed_sessions(container)
    broker = build_worker(settings).broker  # as the scheduler and the API send
    assert isinstance(broker, RedisStreamBroker)  # acknowledged, at-least-once
    await broker.startup()
    try:
        await purge_task(broker).kiq()
    finally:
        await broker.shutdown()

    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: ASYNC220, S603 (our own worker, started once, stopped below)
            WORKER,
            cwd=tmp_path,  # no stray .env
            env=_environment(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            await eventually(lambda: _purged(container, seeded), "the worker purging the expired session")
            await eventually(lambda: _nothing_pending(settings, broker), "the worker acknowledging the message")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the worker said:\n{log.read_text()}") from None
        finally:
            worker.terminate()
            worker.wait(timeout=DEADLINE)

    assert await surviving(container, seeded) == {"live"}


async def _purged(container: AsyncContainer, seeded: Seeded) -> bool:
    return "expired" not in await surviving(container, seeded)


async def _nothing_pending(settings: Settings, broker: RedisStreamBroker) -> bool:
    assert settings.redis_url is not None
    client = Redis.from_url(settings.redis_url)
    try:
        return int((await client.xpending(broker.queue_name, broker.consumer_group_name))["pending"]) == 0
    finally:
        await client.aclose()


async def test_scheduler_sends_the_hourly_purge_and_the_nightly_prune() -> None:
    schedules = [s for source in scheduler.sources for s in await _started(source)]

    assert sorted((s.task_name, s.cron) for s in schedules) == [
        (PRUNE_HISTORY, "17 3 * * *"),
        (PURGE_SESSIONS, "0 * * * *"),
    ]


async def _started(source: ScheduleSource) -> list[ScheduledTask]:
    await source.startup()
    try:
        return await source.get_schedules()
    finally:
        await source.shutdown()
