"""The principal: who a request runs as, built from a token's claims or an API key."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.entities import Role, Scope
from assistme.core.shared.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user (``session_id`` set), or an API key (``api_key_id`` set) possibly acting as a user."""

    user_id: UUID | None
    role: Role = Role.USER
    session_id: UUID | None = None
    api_key_id: UUID | None = None
    scopes: frozenset[Scope] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.user_id is not None and self.role is Role.ADMIN

    def require_user(self) -> UUID:
        """The user this request runs as; a bare API key has none."""
        if self.user_id is None:
            raise PermissionDenied("this route acts for a user: send X-Act-As-User with an act_as key")
        return self.user_id

    def require_admin(self) -> None:
        if not self.is_admin:
            raise PermissionDenied("this route is for admins")

    def require_admin_or_scope(self, scope: Scope) -> None:
        """Admins pass; an API key passes with ``scope`` unless it is acting as a user."""
        if self.is_admin:
            return
        if self.api_key_id is not None and self.user_id is None and scope in self.scopes:
            return
        raise PermissionDenied(f"this route is for admins or API keys with the {scope.value} scope")
