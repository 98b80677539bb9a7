"""Managing other people's accounts: admins, and API keys with the users scopes (a Telegram bot, say)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from msgspec import UNSET, UnsetType

from assistme.core.identity.admins import keep_an_admin
from assistme.core.identity.credentials import check_password, normalise_email
from assistme.core.identity.entities import Location, NewUser, Role, Scope, User
from assistme.core.identity.ports import PasswordHasher, UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.identity.profile import check_location
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.changes import apply_changes
from assistme.core.shared.errors import InvalidInput, NotFound, PermissionDenied
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork
from assistme.core.shared.zones import check_timezone


async def _existing(users: UserRepository, user_id: UUID) -> User:
    user = await users.get(user_id)
    if user is None:
        raise NotFound("no such user")
    return user


@dataclass(slots=True)
class ListUsers:
    """Every account, oldest first, optionally filtered by a fragment of email or name."""

    users: UserRepository

    async def __call__(self, principal: Principal, query: str | None, page: PageRequest) -> Page[User]:
        principal.require_admin_or_scope(Scope.USERS_READ)
        return await self.users.search(query, page)


@dataclass(slots=True)
class GetUser:
    users: UserRepository

    async def __call__(self, principal: Principal, user_id: UUID) -> User:
        principal.require_admin()
        return await _existing(self.users, user_id)


@dataclass(slots=True)
class UserByTelegram:
    """The account a Telegram user is linked to: how a bot finds the person writing to it."""

    users: UserRepository

    async def __call__(self, principal: Principal, telegram_id: int) -> User:
        principal.require_admin_or_scope(Scope.USERS_READ)
        user = await self.users.by_telegram_id(telegram_id)
        if user is None:
            raise NotFound("no user with this telegram id")
        return user


@dataclass(frozen=True, slots=True)
class NewAccount:
    email: str | None = None
    password: str | None = None
    full_name: str | None = None
    telegram_id: int | None = None
    username: str | None = None
    role: Role | None = None


@dataclass(slots=True)
class CreateUser:
    """Create an account for someone. It needs an email or a telegram id (a bot-managed user has no
    password); a password needs an email to sign in with. Only admins choose a role."""

    users: UserRepository
    hasher: PasswordHasher
    uow: UnitOfWork

    async def __call__(self, principal: Principal, cmd: NewAccount) -> User:
        principal.require_admin_or_scope(Scope.USERS_WRITE)
        if cmd.role is not None and not principal.is_admin:
            raise PermissionDenied("only admins set a role")
        if cmd.email is None and cmd.telegram_id is None:
            raise InvalidInput.field("email", "an email or a telegram_id is required")
        if cmd.password is not None and cmd.email is None:
            raise InvalidInput.field("password", "a password needs an email to sign in with")
        email = None if cmd.email is None else normalise_email(cmd.email)
        password_hash = None if cmd.password is None else await self.hasher.hash(check_password(cmd.password))
        new = NewUser(email, password_hash, cmd.full_name, cmd.role or Role.USER, cmd.telegram_id, cmd.username)
        user = await self.users.add(new)
        await self.uow.commit()
        return user


@dataclass(frozen=True, slots=True)
class UserChanges:
    """What an admin may change; UNSET leaves a field as it is (PUT sets them all)."""

    email: str | UnsetType | None = UNSET
    full_name: str | UnsetType | None = UNSET
    role: Role | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    location: Location | UnsetType | None = UNSET
    telegram_id: int | UnsetType | None = UNSET
    username: str | UnsetType | None = UNSET


@dataclass(slots=True)
class UpdateUser:
    """Change an account. A role change or a deactivation ends every session of the user at once, so no
    token carries the old role; the last active admin keeps both."""

    users: UserRepository
    revoker: SessionRevoker
    uow: UnitOfWork

    async def __call__(self, principal: Principal, user_id: UUID, changes: UserChanges) -> User:
        principal.require_admin()
        user = await _existing(self.users, user_id)
        demoted = changes.role is not UNSET and changes.role is not user.role and user.is_admin
        deactivated = changes.is_active is False and user.is_active
        if demoted or deactivated:
            await keep_an_admin(self.users, user, "demoted" if demoted else "deactivated")
        ends_sessions = (changes.role is not UNSET and changes.role is not user.role) or deactivated
        _apply(user, changes)
        user = await self.users.save(user)
        if ends_sessions:
            await self.revoker.revoke_user(user.id)  # commits the change with the revocation
        else:
            await self.uow.commit()
        return user


def _apply(user: User, changes: UserChanges) -> None:
    if changes.email is not UNSET:
        if changes.email is None and user.password_hash is not None:
            raise InvalidInput.field("email", "an account with a password needs an email")
        user.email = None if changes.email is None else normalise_email(changes.email)
    if changes.timezone is not UNSET:
        user.timezone = check_timezone(changes.timezone)
    if changes.location is not UNSET:
        user.location = None if changes.location is None else check_location(changes.location)
    apply_changes(user, changes, ("full_name", "role", "is_active", "telegram_id", "username"))
    if user.email is None and user.telegram_id is None:
        raise InvalidInput.field("email", "an account needs an email or a telegram_id")


@dataclass(slots=True)
class DeleteUser:
    """Delete an account and everything it owns; its tokens die. The last active admin stays."""

    users: UserRepository
    revoker: SessionRevoker
    uow: UnitOfWork

    async def __call__(self, principal: Principal, user_id: UUID) -> None:
        principal.require_admin()
        user = await _existing(self.users, user_id)
        await keep_an_admin(self.users, user, "deleted")
        await self.revoker.revoke_user(user.id)
        await self.users.delete(user.id)
        await self.uow.commit()
