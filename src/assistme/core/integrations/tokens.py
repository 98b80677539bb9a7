"""A connection's access token, refreshed before it runs out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from assistme.core.integrations.entities import Connection, ConnectionStatus, Tokens
from assistme.core.integrations.errors import NeedsReauth
from assistme.core.integrations.policy import REFRESH_MARGIN
from assistme.core.integrations.ports import ConnectionRepository, GrantRevoked, Keyring, OAuthClient, RefreshLocks
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import NotFound, Unavailable
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import Events


@dataclass(slots=True)
class LiveTokens:
    """The access token to call the provider with. Within five minutes of expiry (or when ``force``d after the
    provider refused it) it is refreshed first, under a per-connection lock: of concurrent callers one refreshes
    and the others use its result. A new refresh token replaces the old one. ``invalid_grant`` marks the connection
    ``needs_reauth`` and drops its dead tokens (409). No transaction is open while the provider is called."""

    connections: ConnectionRepository
    keyring: Keyring
    oauth: OAuthClient
    locks: RefreshLocks
    events: Events
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, connection: Connection, *, force: bool = False) -> str:
        if not force and not self._expiring(connection):
            return self._open(connection).access_token
        seen = connection.sealed
        async with self.locks.hold(connection.id):
            current = await self.connections.get(connection.id)
            await self.uow.commit()  # ends the read: the lock, not a transaction, is held across the call
            if current is None:
                raise NotFound("this connection was removed")
            if current.status is not ConnectionStatus.ACTIVE or current.sealed is None:
                raise NeedsReauth(current.provider)
            if current.sealed != seen and not self._expired(current):
                return self._open(current).access_token  # another caller refreshed while this one waited
            return await self._refresh(current)

    async def _refresh(self, connection: Connection) -> str:
        tokens = self._open(connection)
        if tokens.refresh_token is None:
            await self._dead(connection, "no refresh token was granted")
        try:
            grant = await self.oauth.refresh(tokens.refresh_token)
        except GrantRevoked as exc:
            await self._dead(connection, f"invalid_grant: {exc.detail}")
        now = self.clock.now()
        fresh = Tokens(grant.tokens.access_token, grant.tokens.refresh_token or tokens.refresh_token)
        connection.sealed = self.keyring.seal(fresh, connection.binding)
        connection.expires_at = grant.expires_at
        connection.scopes = grant.scopes if grant.scopes is not None else connection.scopes
        connection.last_refreshed_at, connection.last_error = now, None
        await self.connections.save(connection)
        await self.uow.commit()
        return fresh.access_token

    async def _dead(self, connection: Connection, error: str) -> NoReturn:
        connection.status, connection.sealed, connection.expires_at = ConnectionStatus.NEEDS_REAUTH, None, None
        connection.last_error = error[:300]
        await self.connections.save(connection)
        data = {"connection_id": str(connection.id), "provider": connection.provider, "error": connection.last_error}
        await self.events.emit(connection.user_id, "integration.needs_reauth", data)
        await self.uow.commit()
        raise NeedsReauth(connection.provider)

    def _expired(self, connection: Connection) -> bool:
        return connection.expires_at is not None and connection.expires_at <= self.clock.now()

    def _expiring(self, connection: Connection) -> bool:
        return connection.expires_at is not None and connection.expires_at - self.clock.now() <= REFRESH_MARGIN

    def _open(self, connection: Connection) -> Tokens:
        if connection.status is not ConnectionStatus.ACTIVE or connection.sealed is None:
            raise NeedsReauth(connection.provider)
        try:
            return self.keyring.open(connection.sealed, connection.binding)
        except ValueError:
            # A key taken out of ASSISTME_ENCRYPTION_KEYS too early, or a row tampered with: an operator's problem.
            raise Unavailable("this connection's tokens cannot be decrypted with the configured keys") from None
