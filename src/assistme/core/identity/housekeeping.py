"""Housekeeping the identity context's data, run by the scheduler rather than by a request."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.identity.ports import SessionRepository
from assistme.core.shared.clock import Clock
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class PurgeSessions:
    """Delete every session that has expired or was revoked; its refresh tokens go with it.

    A purged session can no longer refresh, which it could not anyway; access tokens are unaffected
    because revocations are checked in the revocation store, not in these rows. Answers how many went.
    Running it twice, or on two workers at once, is harmless.
    """

    sessions: SessionRepository
    uow: UnitOfWork
    clock: Clock

    async def __call__(self) -> int:
        purged = await self.sessions.purge(self.clock.now())
        await self.uow.commit()
        return purged
