"""The caller's own account: reading it and changing what a person may change."""

from __future__ import annotations

from dataclasses import dataclass

from msgspec import UNSET, UnsetType

from assistme.core.identity.entities import Location, User
from assistme.core.identity.ports import UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import InvalidInput, NotFound
from assistme.core.shared.uow import UnitOfWork
from assistme.core.shared.zones import check_timezone


def check_location(location: Location) -> Location:
    if not -90 <= location.lat <= 90:
        raise InvalidInput.field("location.lat", "must be between -90 and 90")
    if not -180 <= location.lon <= 180:
        raise InvalidInput.field("location.lon", "must be between -180 and 180")
    return location


@dataclass(slots=True)
class CurrentUser:
    """The user the request runs as."""

    users: UserRepository

    async def __call__(self, principal: Principal) -> User:
        user = await self.users.get(principal.require_user())
        if user is None:
            raise NotFound("no such user")
        return user


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    full_name: str | UnsetType | None = UNSET
    timezone: str | UnsetType = UNSET
    location: Location | UnsetType | None = UNSET


@dataclass(slots=True)
class UpdateProfile:
    """Change one's own name, time zone and saved location; nothing else is a person's to change."""

    users: UserRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, changes: ProfileChanges) -> User:
        user = await CurrentUser(self.users)(principal)
        if changes.full_name is not UNSET:
            user.full_name = changes.full_name
        if changes.timezone is not UNSET:
            user.timezone = check_timezone(changes.timezone)
        if changes.location is not UNSET:
            user.location = None if changes.location is None else check_location(changes.location)
        user = await self.users.save(user)
        await self.uow.commit()
        return user
