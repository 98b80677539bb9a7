"""PurgeSessions: what the hourly housekeeping task removes, and what it leaves alone."""

from __future__ import annotations

import uuid
from datetime import timedelta

from assistme.core.identity.entities import Session
from assistme.core.identity.housekeeping import PurgeSessions
from tests.unit.identity.fakes import World


def session(world: World, expires_in: timedelta, revoked: bool = False) -> Session:
    now = world.clock.now()
    made = Session(
        id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        created_at=now - timedelta(days=1),
        last_used_at=now - timedelta(hours=1),
        expires_at=now + expires_in,
        revoked_at=now - timedelta(minutes=5) if revoked else None,
    )
    world.sessions.rows[made.id] = made
    return made


def purge(world: World) -> PurgeSessions:
    return PurgeSessions(world.sessions, world.uow, world.clock)


async def test_purge_removes_expired_and_revoked_sessions_and_keeps_live_ones() -> None:
    world = World()
    live = session(world, timedelta(days=3))
    session(world, -timedelta(seconds=1))
    session(world, timedelta(days=3), revoked=True)
    assert await purge(world)() == 2
    assert set(world.sessions.rows) == {live.id}


async def test_purge_commits_so_the_deletions_last() -> None:
    world = World()
    session(world, -timedelta(days=1))
    await purge(world)()
    assert world.uow.commits == 1


async def test_purge_with_nothing_to_remove_changes_nothing() -> None:
    world = World()
    live = session(world, timedelta(minutes=1))
    assert await purge(world)() == 0
    assert list(world.sessions.rows) == [live.id]
