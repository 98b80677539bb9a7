"""Changing a user's role from the server's command line."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.identity.admins import keep_an_admin
from assistme.core.identity.credentials import normalise_email
from assistme.core.identity.entities import Role
from assistme.core.identity.ports import UserRepository
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.errors import NotFound


@dataclass(slots=True)
class AssignRole:
    """Set the role of the account with this email; its sessions end, so no token keeps the old role.

    The last active admin cannot be demoted.
    """

    users: UserRepository
    revoker: SessionRevoker

    async def __call__(self, email: str, role: Role) -> None:
        user = await self.users.by_email(normalise_email(email))
        if user is None:
            raise NotFound("no account with this email")
        if user.role is role:
            return
        await keep_an_admin(self.users, user, "demoted")
        user.role = role
        await self.users.save(user)
        await self.revoker.revoke_user(user.id)  # commits the new role with the revocation
