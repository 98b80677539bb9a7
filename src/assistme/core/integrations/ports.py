"""Ports of the integrations context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from assistme.core.integrations.catalog import ProviderSpec
from assistme.core.integrations.entities import Connection, Grant, PendingAuthorization, Tokens
from assistme.core.shared.errors import FieldError


class TokenRejected(Exception):
    """The provider refused the access token (HTTP 401): refresh it and try once more."""


class GrantRevoked(Exception):
    """The provider refused the refresh token (``invalid_grant``): only a new consent helps."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ProviderApi(Protocol):
    """A provider's actions over its HTTP API. Answers are normalised JSON-able values, never raw payloads.
    Raises TokenRejected on a refused token, MissingScopes when the provider refuses the token's scopes, and the
    core's NotFound, InvalidInput, PermissionDenied or Unavailable (after bounded retries of 5xx and network
    errors, where repeating the request cannot repeat its effect) for the rest."""

    @property
    def spec(self) -> ProviderSpec: ...

    async def run(self, action: str, params: dict[str, Any], access_token: str) -> Any: ...


class Providers(Protocol):
    """The registry of providers this build ships."""

    def specs(self) -> Sequence[ProviderSpec]: ...

    def get(self, name: str) -> ProviderApi | None: ...


class OAuthClient(Protocol):
    """The authorization-code flow with PKCE against the provider's authorization server."""

    def authorization_url(self, scopes: Sequence[str], state: str, verifier: str) -> str: ...

    async def exchange(self, code: str, verifier: str) -> Grant:
        """Trade an authorization code for tokens. Raises GrantRevoked when the code is refused."""
        ...

    async def refresh(self, refresh_token: str) -> Grant:
        """A fresh access token. Raises GrantRevoked on ``invalid_grant``, the core's Unavailable otherwise."""
        ...

    async def revoke(self, token: str) -> bool:
        """Best effort: False when the provider could not be told."""
        ...


class Keyring(Protocol):
    """Seals secrets under the newest key; opens what any configured key sealed. The binding is sealed with the
    secret and checked on opening, so a ciphertext copied to another row does not open."""

    def seal(self, tokens: Tokens, binding: str) -> str: ...

    def open(self, sealed: str, binding: str) -> Tokens:
        """Raises ValueError when no key opens it or the binding differs."""
        ...

    def reseal(self, sealed: str, binding: str) -> str:
        """The same secret under the newest key."""
        ...


class ConnectionRepository(Protocol):
    def new_id(self) -> UUID:
        """An id for a connection about to be sealed: the ciphertext is bound to it."""
        ...

    async def get(self, connection_id: UUID) -> Connection | None: ...

    async def of_user(self, user_id: UUID, provider: str) -> Connection | None: ...

    async def of_owner(self, user_id: UUID) -> list[Connection]: ...

    async def replace(self, connection: Connection) -> Connection:
        """Store ``connection`` as the user's one connection to its provider, removing an earlier one."""
        ...

    async def save(self, connection: Connection) -> None: ...

    async def swap_sealed(self, connection_id: UUID, expected: str, sealed: str) -> bool:
        """Replace the ciphertext if it is still ``expected``."""
        ...

    async def delete(self, connection_id: UUID) -> None: ...

    def every(self, batch: int) -> AsyncIterator[list[Connection]]:
        """All connections, a batch at a time (key rotation)."""
        ...


class AuthorizationRepository(Protocol):
    async def add(self, pending: PendingAuthorization) -> None: ...

    async def take(self, state_digest: str, now: datetime) -> PendingAuthorization | None:
        """Consume the state atomically: None when unknown, expired or already used."""
        ...


class RefreshLocks(Protocol):
    """One refresh at a time per connection, across the processes that share the lock's store."""

    def hold(self, connection_id: UUID) -> AbstractAsyncContextManager[None]: ...


class ParamsChecker(Protocol):
    def violations(self, instance: Any, schema: dict[str, Any]) -> list[FieldError]:
        """Where ``instance`` breaks ``schema`` (draft 2020-12), each with the dotted path of the value."""
        ...
