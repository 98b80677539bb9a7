"""Google Calendar credentials that a service client obtained elsewhere, stored like a connection of our own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from assistme.core.identity.entities import Scope
from assistme.core.identity.ports import UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.integrations.entities import Connection, Grant, Tokens
from assistme.core.integrations.ports import ConnectionRepository, Keyring
from assistme.core.integrations.store import store_connection
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import NotFound
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import Events

CALENDAR = "google_calendar"


@dataclass(frozen=True, slots=True)
class ImportedCredentials:
    tokens: Tokens
    expires_at: datetime | None
    scopes: tuple[str, ...]


async def _calendar_of(connections: ConnectionRepository, user_id: UUID) -> Connection:
    connection = await connections.of_user(user_id, CALENDAR)
    if connection is None:
        raise NotFound("this user has no Google Calendar credentials")
    return connection


@dataclass(slots=True)
class ImportCalendarCredentials:
    """Admin or an API key with ``users:write``: store a user's Google tokens as their google_calendar connection
    (replacing one), sealed by the same keyring as a consent's."""

    users: UserRepository
    connections: ConnectionRepository
    keyring: Keyring
    events: Events
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, user_id: UUID, credentials: ImportedCredentials) -> Connection:
        principal.require_admin_or_scope(Scope.USERS_WRITE)
        if await self.users.get(user_id) is None:
            raise NotFound("no such user")
        grant = Grant(credentials.tokens, credentials.expires_at, credentials.scopes)
        connection = await store_connection(
            self.connections,
            self.keyring,
            user_id,
            CALENDAR,
            grant,
            events=self.events,
            now=self.clock.now(),
            refreshed_at=None,
        )
        await self.uow.commit()
        return connection


@dataclass(slots=True)
class CalendarCredentials:
    """Admin or an API key with ``users:read``: the imported connection's metadata, never a token."""

    connections: ConnectionRepository

    async def __call__(self, principal: Principal, user_id: UUID) -> Connection:
        principal.require_admin_or_scope(Scope.USERS_READ)
        return await _calendar_of(self.connections, user_id)


@dataclass(slots=True)
class DeleteCalendarCredentials:
    """Admin or an API key with ``users:write``: forget the user's Google Calendar credentials (not revoked: they
    were obtained elsewhere, and may serve there still)."""

    connections: ConnectionRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, user_id: UUID) -> None:
        principal.require_admin_or_scope(Scope.USERS_WRITE)
        connection = await _calendar_of(self.connections, user_id)
        await self.connections.delete(connection.id)
        await self.uow.commit()
