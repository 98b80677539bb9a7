"""What a person does to their own account: change the password, delete it."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.identity.admins import keep_an_admin
from assistme.core.identity.credentials import check_password
from assistme.core.identity.ports import PasswordHasher, UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.identity.profile import CurrentUser
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.errors import InvalidInput
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class ChangePassword:
    """Needs the current password; every other session of the user ends."""

    users: UserRepository
    hasher: PasswordHasher
    revoker: SessionRevoker

    async def __call__(self, principal: Principal, current: str, new: str) -> None:
        user = await CurrentUser(self.users)(principal)
        check_password(new, "new_password")
        if not await self.hasher.verify(user.password_hash, current):
            raise InvalidInput.field("current_password", "is not the current password")
        user.password_hash = await self.hasher.hash(new)
        await self.users.save(user)
        # one commit for both: with the revocation store down neither happens, and the client can retry
        await self.revoker.revoke_user(user.id, keep=principal.session_id)


@dataclass(slots=True)
class DeleteAccount:
    """The account and everything it owns go; every token of it dies. The last active admin cannot go."""

    users: UserRepository
    revoker: SessionRevoker
    uow: UnitOfWork

    async def __call__(self, principal: Principal) -> None:
        user = await CurrentUser(self.users)(principal)
        await keep_an_admin(self.users, user, "deleted")
        await self.revoker.revoke_user(user.id)
        await self.users.delete(user.id)
        await self.uow.commit()
