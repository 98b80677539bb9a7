"""PurgeSessions: what the hourly housekeeping task removes, and what it leaves alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from assistme.core.identity.entities import Session
from assistme.core.identity.housekeeping import PurgeSessions

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


class RecordingUow:
    def __init__(self) -> None:
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        pass


class PurgeableSessions:
    """Just enough of SessionRepository: a store that purges as the port documents."""

    def __init__(self, sessions: Iterable[Session]) -> None:
        self.rows = {s.id: s for s in sessions}

    async def purge(self, now: datetime) -> int:
        gone = [s.id for s in self.rows.values() if s.expires_at <= now or s.revoked_at is not None]
        for session_id in gone:
            del self.rows[session_id]
        return len(gone)


def session(expires_in: timedelta, revoked: bool = False) -> Session:
    return Session(
        id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        created_at=NOW - timedelta(days=1),
        last_used_at=NOW - timedelta(hours=1),
        expires_at=NOW + expires_in,
        revoked_at=NOW - timedelta(minutes=5) if revoked else None,
    )


def purge_with(*sessions: Session) -> tuple[PurgeSessions, PurgeableSessions, RecordingUow]:
    store, uow = PurgeableSessions(sessions), RecordingUow()
    return PurgeSessions(store, uow, FixedClock()), store, uow


async def test_purge_removes_expired_and_revoked_sessions_and_keeps_live_ones() -> None:
    live, expired, revoked = (
        session(timedelta(days=3)),
        session(-timedelta(seconds=1)),
        session(timedelta(days=3), True),
    )
    purge, store, _ = purge_with(live, expired, revoked)

    assert await purge() == 2

    assert set(store.rows) == {live.id}


async def test_purge_commits_so_the_deletions_last() -> None:
    purge, _, uow = purge_with(session(-timedelta(days=1)))

    await purge()

    assert uow.commits == 1


async def test_purge_with_nothing_to_remove_changes_nothing() -> None:
    live = session(timedelta(minutes=1))
    purge, store, _ = purge_with(live)

    assert await purge() == 0
    assert list(store.rows) == [live.id]
