"""In-memory fakes of the integrations ports."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from assistme.core.integrations.catalog import Action, ProviderSpec, params
from assistme.core.integrations.entities import Connection, Grant, PendingAuthorization, Tokens
from assistme.core.integrations.ports import GrantRevoked, TokenRejected
from assistme.core.shared.errors import FieldError

READ, WRITE = "scope.read", "scope.write"
SPEC = ProviderSpec(
    "mail",
    "Mail",
    (READ, WRITE),
    (
        Action("count", "how many", params({"label": {"type": "string", "maxLength": 10}}), (READ,)),
        Action("send", "send one", params({"to": {"type": "string"}}, ("to",)), (WRITE,), writes=True),
    ),
)


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class Uow:
    def __init__(self) -> None:
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None: ...


class Keyring:
    """Readable on purpose: the real one is tested on its own."""

    def seal(self, tokens: Tokens, binding: str) -> str:
        return json.dumps([binding, tokens.access_token, tokens.refresh_token])

    def open(self, sealed: str, binding: str) -> Tokens:
        bound, access, refresh = json.loads(sealed)
        if bound != binding:
            raise ValueError("another record")
        return Tokens(access, refresh)

    def reseal(self, sealed: str, binding: str) -> str:
        self.open(sealed, binding)
        return sealed


@dataclass
class Connections:
    rows: dict[UUID, Connection] = field(default_factory=dict)

    def new_id(self) -> UUID:
        return uuid.uuid4()

    async def get(self, connection_id: UUID) -> Connection | None:
        row = self.rows.get(connection_id)
        return None if row is None else replace(row)

    async def of_user(self, user_id: UUID, provider: str) -> Connection | None:
        found = [c for c in self.rows.values() if c.user_id == user_id and c.provider == provider]
        return replace(found[0]) if found else None

    async def of_owner(self, user_id: UUID) -> list[Connection]:
        return [replace(c) for c in self.rows.values() if c.user_id == user_id]

    async def replace(self, connection: Connection) -> Connection:
        for old in [
            c for c in self.rows.values() if (c.user_id, c.provider) == (connection.user_id, connection.provider)
        ]:
            del self.rows[old.id]
        self.rows[connection.id] = replace(connection)
        return connection

    async def save(self, connection: Connection) -> None:
        self.rows[connection.id] = replace(connection)

    async def swap_sealed(self, connection_id: UUID, expected: str, sealed: str) -> bool:
        row = self.rows.get(connection_id)
        if row is None or row.sealed != expected:
            return False
        row.sealed = sealed
        return True

    async def delete(self, connection_id: UUID) -> None:
        self.rows.pop(connection_id, None)

    async def every(self, batch: int) -> AsyncIterator[list[Connection]]:
        rows = list(self.rows.values())
        for start in range(0, len(rows), batch):
            yield [replace(c) for c in rows[start : start + batch]]


@dataclass
class Authorizations:
    rows: dict[str, PendingAuthorization] = field(default_factory=dict)

    async def add(self, pending: PendingAuthorization) -> None:
        self.rows[pending.state_digest] = pending

    async def take(self, state_digest: str, now: datetime) -> PendingAuthorization | None:
        pending = self.rows.pop(state_digest, None)
        return pending if pending is not None and pending.expires_at > now else None


@dataclass
class OAuth:
    clock: Clock
    refreshes: int = 0
    dead: bool = False
    rotate: bool = False
    pause: float = 0.0
    revoked: list[str] = field(default_factory=list)

    def authorization_url(self, scopes: Sequence[str], state: str, verifier: str) -> str:
        return f"https://consent.example/?state={state}&scope={'+'.join(scopes)}"

    async def exchange(self, code: str, verifier: str) -> Grant:
        if code == "bad":
            raise GrantRevoked("Bad Request")
        return self._grant(f"access-{code}", f"refresh-{code}")

    async def refresh(self, refresh_token: str) -> Grant:
        await asyncio.sleep(self.pause)
        if self.dead:
            raise GrantRevoked("Token has been expired or revoked.")
        self.refreshes += 1
        return self._grant(f"access-r{self.refreshes}", f"refresh-r{self.refreshes}" if self.rotate else None)

    async def revoke(self, token: str) -> bool:
        self.revoked.append(token)
        return True

    def _grant(self, access: str, refresh: str | None) -> Grant:
        return Grant(Tokens(access, refresh), self.clock.now() + timedelta(hours=1), None)


@asynccontextmanager
async def _held(lock: asyncio.Lock) -> AsyncIterator[None]:
    async with lock:
        yield


@dataclass
class Events:
    """Records what would go to the person's webhooks."""

    emitted: list[tuple[UUID, str, dict[str, Any]]] = field(default_factory=list)

    async def emit(self, user_id: UUID, event_type: str, data: dict[str, Any]) -> None:
        self.emitted.append((user_id, event_type, data))


@dataclass
class Locks:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def hold(self, connection_id: UUID) -> Any:
        return _held(self.lock)


@dataclass
class Provider:
    """Answers with the token it was given; refuses the tokens listed in ``refuse``."""

    spec: ProviderSpec = SPEC
    refuse: set[str] = field(default_factory=set)
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def run(self, action: str, params: dict[str, Any], access_token: str) -> Any:
        self.calls.append((action, access_token))
        if access_token in self.refuse:
            raise TokenRejected
        return {"token_used": access_token}


@dataclass
class Providers:
    provider: Provider = field(default_factory=Provider)

    def specs(self) -> Sequence[ProviderSpec]:
        return [self.provider.spec]

    def get(self, name: str) -> Provider | None:
        return self.provider if name == self.provider.spec.name else None


class Checker:
    """Required fields and unknown fields only: enough to see the core name the fields."""

    def violations(self, instance: Any, schema: dict[str, Any]) -> list[FieldError]:
        missing = [
            FieldError("", f"'{name}' is a required property") for name in schema["required"] if name not in instance
        ]
        unknown = [FieldError(name, "unexpected") for name in instance if name not in schema["properties"]]
        return missing + unknown
