"""Ending sessions: in the revocation store (access stops at once) and in the database (refresh stops)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.ports import SessionRepository, SessionRevocations
from assistme.core.shared.clock import Clock
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class SessionRevoker:
    """Publishes first, commits second. When the store cannot take the revocation nothing is committed, so the
    caller's retry redoes all of it; committing first would leave a session ended in the database, no longer
    listed nor found, whose access tokens every process still accepts."""

    sessions: SessionRepository
    revocations: SessionRevocations
    uow: UnitOfWork
    clock: Clock

    async def revoke_now(self, session_ids: Iterable[UUID]) -> None:
        """End the sessions and commit the caller's unit of work with them, before the caller answers."""
        ids = list(session_ids)
        if ids:
            await self.revocations.revoke(ids)
            await self.sessions.revoke(ids, self.clock.now())
        await self.uow.commit()

    async def revoke_user(self, user_id: UUID, keep: UUID | None = None) -> None:
        """Every live session of the user but ``keep``."""
        live = await self.sessions.live(user_id, self.clock.now())
        await self.revoke_now(s.id for s in live if s.id != keep)
