"""Wire shapes of the integrations routes. No token ever appears in an answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from assistme.core.integrations.catalog import Action, ProviderSpec
from assistme.core.integrations.entities import Connection, Tokens
from assistme.core.integrations.imports import ImportedCredentials

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
ScopeName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ActionOut(msgspec.Struct):
    name: str
    description: str
    params: dict[str, Any]
    scopes: list[str]
    writes: bool

    @classmethod
    def of(cls, action: Action) -> ActionOut:
        return cls(action.name, action.description, action.params, list(action.scopes), action.writes)


class ProviderOut(msgspec.Struct):
    name: str
    title: str
    scopes: list[str]
    actions: list[ActionOut]

    @classmethod
    def of(cls, spec: ProviderSpec) -> ProviderOut:
        return cls(spec.name, spec.title, list(spec.scopes), [ActionOut.of(a) for a in spec.actions])


class ConnectionOut(msgspec.Struct):
    id: str
    provider: str
    status: str
    scopes: list[str]
    connected_at: datetime
    last_refreshed_at: datetime | None
    expires_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, c: Connection) -> ConnectionOut:
        return cls(
            str(c.id),
            c.provider,
            c.status.value,
            list(c.scopes),
            c.connected_at,
            c.last_refreshed_at,
            c.expires_at,
            c.last_error,
        )


class ConnectIn(msgspec.Struct, forbid_unknown_fields=True):
    return_url: Url


class AuthorizationOut(msgspec.Struct):
    authorization_url: str


class ExecuteIn(msgspec.Struct, forbid_unknown_fields=True):
    action: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class ExecuteOut(msgspec.Struct):
    action: str
    result: Any


class CalendarCredentialsIn(msgspec.Struct, forbid_unknown_fields=True):
    access_token: Secret
    scopes: Annotated[list[ScopeName], msgspec.Meta(min_length=1, max_length=50)]
    refresh_token: Secret | None = None
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None

    def to_credentials(self) -> ImportedCredentials:
        return ImportedCredentials(Tokens(self.access_token, self.refresh_token), self.expires_at, tuple(self.scopes))
