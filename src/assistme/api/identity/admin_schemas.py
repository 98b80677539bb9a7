"""Wire shapes of user management and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from assistme.api.identity.schemas import Email, LocationIO, Name, Password, Strict
from assistme.core.identity.admin_users import NewAccount, UserChanges
from assistme.core.identity.entities import ApiKey, Role, Scope

RoleName = Literal["user", "admin"]
ScopeName = Literal["users:read", "users:write", "act_as"]
TelegramId = Annotated[int, msgspec.Meta(ge=1)]
Username = Annotated[str, msgspec.Meta(max_length=64)]
Timezone = Annotated[str, msgspec.Meta(max_length=64)]


class UserCreate(Strict):
    email: Email | None = None
    password: Password | None = None
    full_name: Name | None = None
    telegram_id: TelegramId | None = None
    username: Username | None = None
    role: RoleName | None = None

    def to_command(self) -> NewAccount:
        role = None if self.role is None else Role(self.role)
        return NewAccount(self.email, self.password, self.full_name, self.telegram_id, self.username, role)


def _location(value: LocationIO | UnsetType | None) -> object:
    return value.to_entity() if isinstance(value, LocationIO) else value


class UserPatch(Strict):
    email: Email | UnsetType | None = UNSET
    full_name: Name | UnsetType | None = UNSET
    role: RoleName | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    location: LocationIO | UnsetType | None = UNSET
    telegram_id: TelegramId | UnsetType | None = UNSET
    username: Username | UnsetType | None = UNSET

    def to_changes(self) -> UserChanges:
        return UserChanges(
            email=self.email,
            full_name=self.full_name,
            role=self.role if isinstance(self.role, UnsetType) else Role(self.role),
            is_active=self.is_active,
            timezone=self.timezone,
            location=_location(self.location),  # type: ignore[arg-type]
            telegram_id=self.telegram_id,
            username=self.username,
        )


class UserReplace(Strict):
    """PUT: the whole editable representation; a field left out is an error, not a default."""

    email: Email | None
    full_name: Name | None
    role: RoleName
    is_active: bool
    timezone: Timezone
    location: LocationIO | None
    telegram_id: TelegramId | None
    username: Username | None

    def to_changes(self) -> UserChanges:
        return UserChanges(
            email=self.email,
            full_name=self.full_name,
            role=Role(self.role),
            is_active=self.is_active,
            timezone=self.timezone,
            location=None if self.location is None else self.location.to_entity(),
            telegram_id=self.telegram_id,
            username=self.username,
        )


class ApiKeyCreate(Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    scopes: Annotated[list[ScopeName], msgspec.Meta(max_length=3)]

    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(s) for s in self.scopes)


class ApiKeyOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scopes=sorted(s.value for s in key.scopes),
            created_at=key.created_at,
            last_used_at=key.last_used_at,
        )


class ApiKeyCreated(ApiKeyOut, kw_only=True):
    key: str
    """The secret: shown in this answer only."""
