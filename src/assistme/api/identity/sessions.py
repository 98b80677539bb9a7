"""The caller's sessions: /sessions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get
from litestar.params import FromPath

from assistme.api.access import SECURED
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.core.identity.principal import Principal
from assistme.core.identity.sessions import ListSessions, RevokeOtherSessions, RevokeSession, SessionView
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest


class SessionOut(msgspec.Struct, kw_only=True):
    id: UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip: str | None
    is_current: bool

    @classmethod
    def of(cls, view: SessionView) -> SessionOut:
        s = view.session
        return cls(
            id=s.id,
            created_at=s.created_at,
            last_used_at=s.last_used_at,
            user_agent=s.user_agent,
            ip=s.ip,
            is_current=view.is_current,
        )


class SessionController(Controller):
    path = "/api/v1/sessions"
    tags = ["sessions"]
    security = SECURED

    @get(summary="The caller's live sessions", responses=responses(403))
    @inject
    async def list_sessions(
        self,
        principal: FromDishka[Principal],
        list_sessions: FromDishka[ListSessions],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[SessionOut]:
        page = await list_sessions(principal, PageRequest(limit, offset))
        return PageOut.of(page, SessionOut.of)

    @delete(
        "/{session_id:str}", summary="End one session: its tokens answer 401 at once", responses=responses(403, 404)
    )
    @inject
    async def revoke(
        self, session_id: FromPath[str], principal: FromDishka[Principal], revoke: FromDishka[RevokeSession]
    ) -> None:
        await revoke(principal, parse_id(session_id, "session"))

    @delete(summary="End every session but the current one", responses=responses(403))
    @inject
    async def revoke_others(self, principal: FromDishka[Principal], revoke: FromDishka[RevokeOtherSessions]) -> None:
        await revoke(principal)
