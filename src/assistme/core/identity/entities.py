"""Identity entities: people, their sessions and the service keys that act for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class Scope(StrEnum):
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    ACT_AS = "act_as"


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    name: str | None = None


@dataclass(slots=True)
class User:
    id: UUID
    email: str | None
    full_name: str | None
    role: Role
    is_active: bool
    timezone: str
    created_at: datetime
    updated_at: datetime
    password_hash: str | None = field(default=None, repr=False)
    location: Location | None = None
    telegram_id: int | None = None
    username: str | None = None
    telegram_chat_id: int | None = None  # where notifications go, set only through a proven link
    google_id: str | None = None  # the ``sub`` of a verified Google ID token

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str | None
    password_hash: str | None
    full_name: str | None = None
    role: Role = Role.USER
    telegram_id: int | None = None
    username: str | None = None
    timezone: str = "UTC"
    google_id: str | None = None


@dataclass(slots=True)
class Session:
    id: UUID
    user_id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None = None
    ip: str | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SpentToken:
    """What is known of a refresh token that could not be consumed."""

    session_id: UUID
    spent_at: datetime | None
    expires_at: datetime


@dataclass(slots=True)
class ApiKey:
    id: UUID
    name: str
    prefix: str
    scopes: frozenset[Scope]
    created_at: datetime
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: UUID


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who is calling, as the transport saw it; recorded on a session."""

    user_agent: str | None = None
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    """Who a verified OpenID Connect ID token says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """A Google sign-in under way. The state and the browser's cookie are kept as digests; the cookie binds the
    callback to the browser that started it (against login CSRF), the nonce binds the ID token to this sign-in."""

    state_digest: str
    browser_digest: str
    nonce: str
    verifier: str
    return_url: str | None
    expires_at: datetime
