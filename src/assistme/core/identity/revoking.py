"""Ending sessions: in the database (refresh stops) and in the revocation store (access stops at once)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.ports import SessionRepository, SessionRevocations
from assistme.core.shared.clock import Clock
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class SessionRevoker:
    sessions: SessionRepository
    revocations: SessionRevocations
    uow: UnitOfWork
    clock: Clock

    async def revoke_now(self, session_ids: Iterable[UUID]) -> None:
        """Commit the revocation, then publish it; both happen before the caller answers."""
        ids = list(session_ids)
        if not ids:
            return
        await self.sessions.revoke(ids, self.clock.now())
        await self.uow.commit()
        await self.revocations.revoke(ids)

    async def revoke_user(self, user_id: UUID, keep: UUID | None = None) -> None:
        """Every live session of the user but ``keep``."""
        live = await self.sessions.live(user_id, self.clock.now())
        await self.revoke_now(s.id for s in live if s.id != keep)
