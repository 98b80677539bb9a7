"""Ending the caller's own session."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.identity.principal import Principal
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.errors import PermissionDenied


@dataclass(slots=True)
class Logout:
    """End the session the request came with: its access and refresh tokens stop working at once."""

    revoker: SessionRevoker

    async def __call__(self, principal: Principal) -> None:
        if principal.session_id is None:
            raise PermissionDenied("only a signed-in session can log out")
        await self.revoker.revoke_now([principal.session_id])
