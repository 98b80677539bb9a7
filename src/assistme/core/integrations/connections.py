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
    """Delete the connection with its tokens, then revoke its grant at the provider (best effort: an unreachable
    provider does not keep the connection). Every provider consents through the one OAuthClient, with
    ``include_granted_scopes``: a person's connections share one grant, and revoking it would cut the others
    too; so the grant is revoked only with the last connection that still holds tokens."""

    connections: ConnectionRepository
    keyring: Keyring
    oauth: OAuthClient
    uow: UnitOfWork

    async def __call__(self, principal: Principal, connection_id: UUID) -> None:
        connection = await owned(self.connections, principal.require_user(), connection_id)
        await self.connections.delete(connection.id)
        await self.uow.commit()
        # Read after the commit: of two connections disconnected at once, the later reader sees both gone.
        others = [c for c in await self.connections.of_owner(connection.user_id) if c.sealed is not None]
        await self.uow.commit()  # no transaction stays open across the provider's call
        token = self._token(connection)
        if token is not None and not others:
            # Revoking the refresh token ends the whole grant at Google, access tokens included.
            await self.oauth.revoke(token)

    def _token(self, connection: Connection) -> str | None:
        if connection.sealed is None:
            return None
        try:
            tokens = self.keyring.open(connection.sealed, connection.binding)
        except ValueError:
            return None  # undecryptable tokens cannot be revoked
        return tokens.refresh_token or tokens.access_token
