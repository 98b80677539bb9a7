"""In-memory fakes of the identity ports: the core's rules run against them in microseconds."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from assistme.core.identity.entities import NewUser, Role, Session, SpentToken, User
from assistme.core.identity.minting import TokenMinter
from assistme.core.identity.policy import IdentityPolicy
from assistme.core.identity.ports import AccessClaims
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.errors import Conflict, Unauthenticated, Unavailable
from assistme.core.shared.pagination import Page, PageRequest

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class FakeUow:
    def __init__(self) -> None:
        self.commits = 0
        self.rollbacks = 0

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        self.rollbacks += 1


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[UUID, User] = {}

    async def get(self, user_id: UUID) -> User | None:
        user = self.rows.get(user_id)
        return None if user is None else replace(user)

    async def by_email(self, email: str) -> User | None:
        return next((replace(u) for u in self.rows.values() if u.email == email), None)

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return next((replace(u) for u in self.rows.values() if u.telegram_id == telegram_id), None)

    async def by_google_id(self, google_id: str) -> User | None:
        return next((replace(u) for u in self.rows.values() if u.google_id == google_id), None)

    async def add(self, new: NewUser) -> User:
        if new.email and await self.by_email(new.email):
            raise Conflict("an account with this email exists")
        user = User(
            id=uuid.uuid4(),
            email=new.email,
            full_name=new.full_name,
            role=new.role,
            is_active=True,
            timezone=new.timezone,
            created_at=START,
            updated_at=START,
            password_hash=new.password_hash,
            telegram_id=new.telegram_id,
            username=new.username,
            google_id=new.google_id,
        )
        self.rows[user.id] = user
        return replace(user)

    async def save(self, user: User) -> User:
        self.rows[user.id] = replace(user)
        return replace(user)

    async def delete(self, user_id: UUID) -> None:
        self.rows.pop(user_id, None)

    async def search(self, query: str | None, page: PageRequest) -> Page[User]:
        found = [u for u in self.rows.values() if not query or query in (u.email or "")]
        return Page(found[page.offset : page.offset + page.limit], len(found), page.limit, page.offset)

    async def count_active_admins(self) -> int:
        return sum(1 for u in self.rows.values() if u.role is Role.ADMIN and u.is_active)


class FakeSessions:
    def __init__(self) -> None:
        self.rows: dict[UUID, Session] = {}

    async def add(
        self, user_id: UUID, user_agent: str | None, ip: str | None, now: datetime, expires_at: datetime
    ) -> Session:
        session = Session(uuid.uuid4(), user_id, now, now, expires_at, user_agent, ip)
        self.rows[session.id] = session
        return replace(session)

    async def get(self, session_id: UUID) -> Session | None:
        session = self.rows.get(session_id)
        return None if session is None else replace(session)

    async def live(self, user_id: UUID, now: datetime) -> list[Session]:
        return [
            replace(s)
            for s in self.rows.values()
            if s.user_id == user_id and s.revoked_at is None and s.expires_at > now
        ]

    async def touch(self, session_id: UUID, now: datetime, expires_at: datetime) -> None:
        self.rows[session_id].last_used_at = now
        self.rows[session_id].expires_at = expires_at

    async def revoke(self, session_ids: Iterable[UUID], now: datetime) -> None:
        for sid in session_ids:
            if sid in self.rows and self.rows[sid].revoked_at is None:
                self.rows[sid].revoked_at = now

    async def purge(self, now: datetime) -> int:
        gone = [s.id for s in self.rows.values() if s.expires_at <= now or s.revoked_at is not None]
        for sid in gone:
            del self.rows[sid]
        return len(gone)


@dataclass
class _Token:
    session_id: UUID
    expires_at: datetime
    spent_at: datetime | None = None


class FakeRefreshTokens:
    def __init__(self) -> None:
        self.rows: dict[str, _Token] = {}

    async def add(self, session_id: UUID, digest: str, expires_at: datetime) -> None:
        self.rows[digest] = _Token(session_id, expires_at)

    async def consume(self, digest: str, now: datetime) -> UUID | None:
        token = self.rows.get(digest)
        if token is None or token.spent_at is not None or token.expires_at <= now:
            return None
        token.spent_at = now
        return token.session_id

    async def find(self, digest: str) -> SpentToken | None:
        token = self.rows.get(digest)
        return None if token is None else SpentToken(token.session_id, token.spent_at, token.expires_at)


class FakeHasher:
    """``hash:<password>``; counts verifications so tests can see the work was done."""

    def __init__(self, outdated: bool = False) -> None:
        self.verified = 0
        self.hashed = 0
        self.outdated = outdated

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return "hash:" + password

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified += 1
        return password_hash == "hash:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return self.outdated


class FakeAccessTokens:
    def issue(self, user: User, session_id: UUID, now: datetime) -> tuple[str, int]:
        return f"access:{user.id}:{session_id}:{user.role.value}", 900

    def verify(self, token: str) -> AccessClaims:
        kind, user_id, session_id, role = token.split(":")
        if kind != "access":
            raise Unauthenticated("not an access token")
        return AccessClaims(UUID(user_id), UUID(session_id), role)


class FakeDigest:
    def __init__(self) -> None:
        self.made = 0

    def new_secret(self, prefix: str) -> str:
        self.made += 1
        return f"{prefix}{self.made}"

    def digest(self, secret: str) -> str:
        return "d:" + secret


class FakeRevocations:
    """Set ``down`` to make it refuse writes, as Redis does when unreachable."""

    def __init__(self) -> None:
        self.revoked: set[UUID] = set()
        self.down = False

    async def revoke(self, session_ids: Iterable[UUID]) -> None:
        if self.down:
            raise Unavailable("the session store is unreachable")
        self.revoked.update(session_ids)

    async def is_revoked(self, session_id: UUID) -> bool:
        return session_id in self.revoked


class FakeThrottle:
    """Counts hits per key; a limit ``N/...`` blocks from the N-th hit on."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = defaultdict(int)

    async def hit(self, limit: str, key: str) -> int | None:
        self.hits[key] += 1
        return await self.blocked(limit, key)

    async def blocked(self, limit: str, key: str) -> int | None:
        return 60 if self.hits[key] >= int(limit.split("/", maxsplit=1)[0]) else None

    async def clear(self, limit: str, key: str) -> None:
        self.hits.pop(key, None)


@dataclass
class World:
    """Every fake wired together, as assistme.ioc wires the real adapters."""

    users: FakeUsers = field(default_factory=FakeUsers)
    sessions: FakeSessions = field(default_factory=FakeSessions)
    refresh_tokens: FakeRefreshTokens = field(default_factory=FakeRefreshTokens)
    uow: FakeUow = field(default_factory=FakeUow)
    hasher: FakeHasher = field(default_factory=FakeHasher)
    tokens: FakeAccessTokens = field(default_factory=FakeAccessTokens)
    digest: FakeDigest = field(default_factory=FakeDigest)
    revocations: FakeRevocations = field(default_factory=FakeRevocations)
    throttle: FakeThrottle = field(default_factory=FakeThrottle)
    clock: FakeClock = field(default_factory=FakeClock)
    policy: IdentityPolicy = field(default_factory=IdentityPolicy)

    @property
    def minter(self) -> TokenMinter:
        return TokenMinter(self.sessions, self.refresh_tokens, self.tokens, self.digest, self.policy)

    @property
    def revoker(self) -> SessionRevoker:
        return SessionRevoker(self.sessions, self.revocations, self.uow, self.clock)

    async def person(self, email: str = "ada@example.com", password: str = "a long passphrase", **kw: object) -> User:
        user = await self.users.add(NewUser(email, await self.hasher.hash(password)))
        for name, value in kw.items():
            setattr(user, name, value)
        return await self.users.save(user)
