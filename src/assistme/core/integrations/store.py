"""Storing a new connection: the id first, so the sealed tokens can be bound to it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from assistme.core.integrations.entities import Connection, ConnectionStatus, Grant
from assistme.core.integrations.ports import ConnectionRepository, Keyring
from assistme.core.webhooks.ports import Events


async def store_connection(
    connections: ConnectionRepository,
    keyring: Keyring,
    user_id: UUID,
    provider: str,
    grant: Grant,
    *,
    events: Events,
    now: datetime,
    refreshed_at: datetime | None,
) -> Connection:
    """The user's one connection to ``provider`` from now on, replacing an earlier one, announced to the user's
    webhooks; the caller commits."""
    connection = Connection(
        id=connections.new_id(),
        user_id=user_id,
        provider=provider,
        status=ConnectionStatus.ACTIVE,
        scopes=grant.scopes or (),
        sealed=None,
        expires_at=grant.expires_at,
        connected_at=now,
        last_refreshed_at=refreshed_at,
    )
    connection.sealed = keyring.seal(grant.tokens, connection.binding)
    stored = await connections.replace(connection)
    data = {"connection_id": str(stored.id), "provider": provider, "scopes": list(stored.scopes)}
    await events.emit(user_id, "integration.connected", data)
    return stored
