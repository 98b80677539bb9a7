"""Creating an account with an email and a password."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.identity.credentials import check_password, normalise_email
from assistme.core.identity.entities import NewUser, User
from assistme.core.identity.ports import PasswordHasher, UserRepository
from assistme.core.shared.errors import Conflict
from assistme.core.shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Registration:
    email: str
    password: str
    full_name: str | None = None


@dataclass(slots=True)
class RegisterUser:
    """Create an account. One account per email, compared case-insensitively."""

    users: UserRepository
    uow: UnitOfWork
    hasher: PasswordHasher

    async def __call__(self, cmd: Registration) -> User:
        email = normalise_email(cmd.email)
        password = check_password(cmd.password)
        if await self.users.by_email(email) is not None:
            raise Conflict("an account with this email exists")
        user = await self.users.add(NewUser(email, await self.hasher.hash(password), cmd.full_name))
        await self.uow.commit()
        return user
