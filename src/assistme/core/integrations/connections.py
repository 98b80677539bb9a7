"""Listing what can be connected and what is, and disconnecting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.principal import Principal
from assistme.core.integrations.actions import owned
from assistme.core.integrations.catalog import ProviderSpec
from assistme.core.integrations.entities import Connection
from assistme.core.integrations.ports import ConnectionRepository, Keyring, OAuthClient, Providers
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class ListProviders:
    providers: Providers

    def __call__(self) -> Sequence[ProviderSpec]:
        return self.providers.specs()


@dataclass(slots=True)
class ListConnections:
    connections: ConnectionRepository

    async def __call__(self, principal: Principal) -> list[Connection]:
        return await self.connections.of_owner(principal.require_user())


@dataclass(slots=True)
class Disconnect:
    """Revoke the grant at the provider (best effort: an unreachable provider does not keep the connection) and
    delete the connection with its tokens."""

    connections: ConnectionRepository
    keyring: Keyring
    oauth: OAuthClient
    uow: UnitOfWork

    async def __call__(self, principal: Principal, connection_id: UUID) -> None:
        connection = await owned(self.connections, principal.require_user(), connection_id)
        await self.uow.commit()
        if connection.sealed is not None:
            try:
                tokens = self.keyring.open(connection.sealed, connection.binding)
            except ValueError:
                tokens = None  # undecryptable tokens cannot be revoked, and must not keep the row alive
            if tokens is not None:
                # Revoking the refresh token ends the whole grant at Google, access tokens included.
                await self.oauth.revoke(tokens.refresh_token or tokens.access_token)
        await self.connections.delete(connection.id)
        await self.uow.commit()
