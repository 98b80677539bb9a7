"""Wire shapes of the identity routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from assistme.core.identity.credentials import BLANKS, EMAIL_FORM, MAX_EMAIL, MAX_PASSWORD, MIN_PASSWORD
from assistme.core.identity.entities import Location, TokenPair, User
from assistme.core.identity.profile import ProfileChanges

Password = Annotated[str, msgspec.Meta(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)]
# The form the core checks after trimming, blanks allowed around it.
Email = Annotated[str, msgspec.Meta(max_length=MAX_EMAIL, pattern=f"^[{BLANKS}]*{EMAIL_FORM}[{BLANKS}]*$")]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: any field it does not declare is refused, never silently dropped."""


class LocationIO(Strict):
    lat: Latitude
    lon: Longitude
    name: Name | None = None

    def to_entity(self) -> Location:
        return Location(self.lat, self.lon, self.name)


class UserOut(msgspec.Struct, kw_only=True):
    id: UUID
    email: str | None
    full_name: str | None
    role: str
    is_active: bool
    timezone: str
    location: LocationIO | None
    telegram_id: int | None
    telegram_chat_id: int | None
    username: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        loc = user.location
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role.value,
            is_active=user.is_active,
            timezone=user.timezone,
            location=None if loc is None else LocationIO(lat=loc.lat, lon=loc.lon, name=loc.name),
            telegram_id=user.telegram_id,
            telegram_chat_id=user.telegram_chat_id,
            username=user.username,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class RegisterIn(Strict):
    email: Email
    password: Password
    full_name: Name | None = None


class LoginIn(Strict):
    email: Annotated[str, msgspec.Meta(max_length=320)]
    password: Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD)]


class RefreshIn(Strict):
    refresh_token: Annotated[str, msgspec.Meta(max_length=256)]


class TokenPairOut(msgspec.Struct, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (a token kind, not a secret)
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokenPairOut:
        return cls(access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in)


class ProfilePatch(Strict):
    full_name: Name | UnsetType | None = UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET
    location: LocationIO | UnsetType | None = UNSET

    def to_changes(self) -> ProfileChanges:
        location = self.location.to_entity() if isinstance(self.location, LocationIO) else self.location
        return ProfileChanges(full_name=self.full_name, timezone=self.timezone, location=location)
