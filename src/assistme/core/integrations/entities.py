"""Connections to third-party accounts and the authorizations that create them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"  # the provider refused the grant: only a new consent helps
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Tokens:
    """The secrets of a connection; they exist in plaintext only between the keyring and a provider call."""

    access_token: str
    refresh_token: str | None

    def __repr__(self) -> str:  # never in a log line or a traceback
        return "Tokens(***)"


@dataclass(frozen=True, slots=True)
class Grant:
    """What the authorization server answered to a code exchange or a refresh."""

    tokens: Tokens
    expires_at: datetime | None
    scopes: tuple[str, ...] | None  # None: the server did not say, the earlier scopes stand


@dataclass(slots=True)
class Connection:
    id: UUID
    user_id: UUID
    provider: str
    status: ConnectionStatus
    scopes: tuple[str, ...]
    sealed: str | None  # the keyring's ciphertext of the Tokens; None once the grant is dead
    expires_at: datetime | None
    connected_at: datetime
    last_refreshed_at: datetime | None = None
    last_error: str | None = None

    @property
    def binding(self) -> str:
        """What the tokens' ciphertext is bound to: this row and this user."""
        return f"{self.id}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """A consent under way: the state's digest (the state itself travels only in URLs), the PKCE verifier and
    where to send the user back."""

    state_digest: str
    user_id: UUID
    provider: str
    verifier: str
    return_url: str
    expires_at: datetime
