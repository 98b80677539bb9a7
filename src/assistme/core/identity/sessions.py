"""A person's view of their own sessions: list them, end one, end all the others."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.entities import Session
from assistme.core.identity.ports import SessionRepository
from assistme.core.identity.principal import Principal
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import NotFound
from assistme.core.shared.pagination import Page, PageRequest


@dataclass(frozen=True, slots=True)
class SessionView:
    session: Session
    is_current: bool


@dataclass(slots=True)
class ListSessions:
    """The caller's live sessions, newest first, marking the one the request came with."""

    sessions: SessionRepository
    clock: Clock

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[SessionView]:
        live = await self.sessions.live(principal.require_user(), self.clock.now())
        window = live[page.offset : page.offset + page.limit]
        views = [SessionView(s, s.id == principal.session_id) for s in window]
        return Page(views, len(live), page.limit, page.offset)


@dataclass(slots=True)
class RevokeSession:
    """End one of the caller's sessions; anyone else's is answered as missing."""

    sessions: SessionRepository
    revoker: SessionRevoker
    clock: Clock

    async def __call__(self, principal: Principal, session_id: UUID) -> None:
        session = await self.sessions.get(session_id)
        now = self.clock.now()
        if (
            session is None
            or session.user_id != principal.require_user()
            or session.revoked_at is not None
            or session.expires_at <= now
        ):
            raise NotFound("no such session")
        await self.revoker.revoke_now([session.id])


@dataclass(slots=True)
class RevokeOtherSessions:
    """End every session of the caller but the one the request came with."""

    revoker: SessionRevoker

    async def __call__(self, principal: Principal) -> None:
        await self.revoker.revoke_user(principal.require_user(), keep=principal.session_id)
