"""Ports of the identity context: what its use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from assistme.core.identity.entities import (
    ApiKey,
    ExternalIdentity,
    NewUser,
    PendingSignIn,
    Scope,
    Session,
    SpentToken,
    User,
)
from assistme.core.shared.pagination import Page, PageRequest


class UserRepository(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def by_telegram_id(self, telegram_id: int) -> User | None: ...

    async def by_google_id(self, google_id: str) -> User | None: ...

    async def add(self, new: NewUser) -> User:
        """Insert; an email or telegram id already taken raises ``Conflict``."""
        ...

    async def save(self, user: User) -> User:
        """Write every field of ``user`` back; a taken email or telegram id raises ``Conflict``."""
        ...

    async def delete(self, user_id: UUID) -> None:
        """Delete the user and, by cascade, everything they own."""
        ...

    async def search(self, query: str | None, page: PageRequest) -> Page[User]: ...

    async def count_active_admins(self) -> int: ...


class SessionRepository(Protocol):
    async def add(
        self, user_id: UUID, user_agent: str | None, ip: str | None, now: datetime, expires_at: datetime
    ) -> Session: ...

    async def get(self, session_id: UUID) -> Session | None: ...

    async def live(self, user_id: UUID, now: datetime) -> list[Session]:
        """The user's sessions that are neither revoked nor expired, newest first."""
        ...

    async def touch(self, session_id: UUID, now: datetime, expires_at: datetime) -> None: ...

    async def revoke(self, session_ids: Iterable[UUID], now: datetime) -> None: ...

    async def purge(self, now: datetime) -> int:
        """Delete sessions that expired or were revoked before ``now``; answer how many."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, session_id: UUID, digest: str, expires_at: datetime) -> None: ...

    async def consume(self, digest: str, now: datetime) -> UUID | None:
        """Atomically mark the live, unspent token spent and answer its session; ``None`` if none was."""
        ...

    async def find(self, digest: str) -> SpentToken | None: ...


@dataclass(frozen=True, slots=True)
class StoredApiKey:
    key: ApiKey
    revoked: bool = False


class ApiKeyRepository(Protocol):
    async def add(self, name: str, prefix: str, digest: str, scopes: frozenset[Scope], now: datetime) -> ApiKey: ...

    async def list(self, page: PageRequest) -> Page[ApiKey]: ...

    async def by_digest(self, digest: str) -> ApiKey | None: ...

    async def delete(self, key_id: UUID) -> bool: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash it still spends the same time and answers False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    session_id: UUID
    role: str


class AccessTokens(Protocol):
    def issue(self, user: User, session_id: UUID, now: datetime) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds."""
        ...

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid access token; anything else raises ``Unauthenticated``."""
        ...


class SecretDigest(Protocol):
    """Random secrets (refresh tokens, API keys) are stored as a keyed hash, never as themselves."""

    def new_secret(self, prefix: str) -> str: ...

    def digest(self, secret: str) -> str: ...


class SessionRevocations(Protocol):
    """Which sessions ended, known to every API process without a database query."""

    async def revoke(self, session_ids: Iterable[UUID]) -> None:
        """Remember the sessions as revoked for as long as their access tokens can live."""
        ...

    async def is_revoked(self, session_id: UUID) -> bool:
        """Raise ``Unavailable`` when the store cannot answer: never guess."""
        ...


class Throttle(Protocol):
    """Counts events per key against a limit like ``5/15minutes``."""

    async def hit(self, limit: str, key: str) -> int | None:
        """Count one event; answer the seconds to wait when the limit is exceeded, else ``None``."""
        ...

    async def blocked(self, limit: str, key: str) -> int | None:
        """Without counting, the seconds to wait if the limit is already reached, else ``None``."""
        ...

    async def clear(self, limit: str, key: str) -> None: ...


class OpenIdProvider(Protocol):
    """Google's OpenID Connect: the consent URL, then the code traded and the ID token verified (signature against
    the provider's published keys, ``iss``, ``aud``, ``exp``, and the nonce)."""

    def login_url(self, state: str, nonce: str, verifier: str) -> str: ...

    async def identify(self, code: str, verifier: str, nonce: str) -> ExternalIdentity:
        """Raises Unauthenticated for a refused code or an ID token that does not verify, Unavailable when the
        provider cannot be reached."""
        ...


class OutwardChannels(Protocol):
    """Whatever carries an account's data to an address its holder chose: webhook endpoints, Telegram link codes,
    integration connections and the consents that would create one."""

    async def sever(self, user_id: UUID) -> None:
        """Delete them all; the account's own data (assistants, conversations, jobs) stays. The caller commits."""
        ...


class SignInStates(Protocol):
    async def add(self, pending: PendingSignIn) -> None: ...

    async def take(self, state_digest: str, now: datetime) -> PendingSignIn | None:
        """Consume the state atomically: None when unknown, expired or already used."""
        ...
