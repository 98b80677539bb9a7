"""dishka providers: persistence, security, the embedded and served setups, outbound HTTP and the broker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx
from dishka import Provider, Scope, provide
from limits.aio.storage import Storage
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import AsyncBroker

from assistme.adapters.cache.locks import MemoryLocks, RedisLocks
from assistme.adapters.cache.probe import RedisProbe
from assistme.adapters.cache.revocations import MemoryRevocations, RedisRevocations
from assistme.adapters.cache.snapshots import MemorySnapshots, RedisSnapshots
from assistme.adapters.cache.throttle import memory_storage, redis_storage
from assistme.adapters.http.telegram import TelegramBotApi
from assistme.adapters.persistence.api_keys import SqlApiKeyRepository
from assistme.adapters.persistence.engine import make_engine
from assistme.adapters.persistence.probe import DatabaseProbe
from assistme.adapters.persistence.reads import Reads
from assistme.adapters.persistence.sessions import SqlRefreshTokenRepository, SqlSessionRepository
from assistme.adapters.persistence.uow import SqlUnitOfWork
from assistme.adapters.persistence.users import SqlUserRepository
from assistme.adapters.security.digests import HmacDigest, derive_key
from assistme.adapters.security.passwords import Argon2Hasher
from assistme.adapters.security.tokens import JwtAccessTokens
from assistme.adapters.taskiq.broker import make_broker
from assistme.adapters.taskiq.queue import TaskiqRunQueue, TaskiqTaskQueue, TaskiqWebhookQueue
from assistme.config import Settings
from assistme.core.briefing.ports import SnapshotCache
from assistme.core.conversations.ports import (
    TaskQueue,
)
from assistme.core.identity.policy import IdentityPolicy
from assistme.core.identity.ports import (
    AccessTokens,
    ApiKeyRepository,
    PasswordHasher,
    RefreshTokenRepository,
    SecretDigest,
    SessionRepository,
    SessionRevocations,
    UserRepository,
)
from assistme.core.integrations.ports import (
    RefreshLocks,
)
from assistme.core.scheduling.ports import (
    RunQueue,
    TelegramSender,
)
from assistme.core.shared.clock import Clock, SystemClock
from assistme.core.shared.errors import Unavailable
from assistme.core.shared.readiness import CheckReadiness, Probe
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import (
    WebhookQueue,
)


class Persistence(Provider):
    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_timeout=settings.database_pool_timeout,
        )
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    def reads(self, engine: AsyncEngine) -> Reads:
        return Reads(engine)

    @provide(scope=Scope.APP)
    def session_maker(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(engine, expire_on_commit=False)

    @provide(scope=Scope.REQUEST)
    async def session(self, maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        session = maker()
        try:
            yield session
        finally:
            # Only a session inside a transaction holds a connection: closing one that was never used or is committed
            # had nothing to give back and cost more than the request's own query on a read (a greenlet and a walk).
            if session.in_transaction():
                # Closing rolls back what was not committed; on a connection the server dropped after the answer was
                # decided that fails as Unavailable. The pool has invalidated it already: nothing is left to report.
                with contextlib.suppress(Unavailable):
                    await session.close()

    uow = provide(SqlUnitOfWork, scope=Scope.REQUEST, provides=UnitOfWork)
    users = provide(SqlUserRepository, scope=Scope.REQUEST, provides=UserRepository)
    sessions = provide(SqlSessionRepository, scope=Scope.REQUEST, provides=SessionRepository)
    refresh_tokens = provide(SqlRefreshTokenRepository, scope=Scope.REQUEST, provides=RefreshTokenRepository)
    api_keys = provide(SqlApiKeyRepository, scope=Scope.REQUEST, provides=ApiKeyRepository)


class Security(Provider):
    scope = Scope.APP

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def hasher(self, settings: Settings) -> Iterator[PasswordHasher]:
        hasher = Argon2Hasher(
            settings.argon2_time_cost,
            settings.argon2_memory_kib,
            settings.argon2_parallelism,
            settings.password_hash_concurrency,
        )
        yield hasher
        hasher.close()

    @provide
    def access_tokens(self, settings: Settings) -> AccessTokens:
        key = derive_key(settings.secret_key, "access-token")
        return JwtAccessTokens(key, settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl)

    @provide
    def digest(self, settings: Settings) -> SecretDigest:
        return HmacDigest(derive_key(settings.secret_key, "stored-secret"))

    @provide
    def identity_policy(self, settings: Settings) -> IdentityPolicy:
        return IdentityPolicy(
            refresh_token_ttl=settings.refresh_token_ttl,
            refresh_reuse_grace=settings.refresh_reuse_grace,
            login_failures_per_email=settings.login_failures_per_email,
            login_failures_per_address=settings.login_failures_per_address,
        )


class Embedded(Provider):
    """One process: revocations and counters in memory."""

    scope = Scope.APP

    @provide
    def revocations(self, settings: Settings) -> SessionRevocations:
        return MemoryRevocations(settings.access_token_ttl + 60)

    @provide
    def limits_storage(self) -> Storage:
        return memory_storage()

    @provide
    def readiness(self, settings: Settings, engine: AsyncEngine) -> CheckReadiness:
        return CheckReadiness([DatabaseProbe(engine)], settings.readiness_timeout)

    @provide
    def refresh_locks(self) -> RefreshLocks:
        return MemoryLocks()

    @provide
    def snapshots(self, settings: Settings) -> SnapshotCache:
        return MemorySnapshots(settings.briefing_stale_ttl)


class Served(Provider):
    """Many processes: revocations and counters in Redis, visible to all of them at once."""

    scope = Scope.APP

    @provide
    async def redis(self, settings: Settings) -> AsyncIterator[Redis]:
        assert settings.redis_url is not None
        client = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        yield client
        await client.aclose()

    @provide
    def revocations(self, settings: Settings, redis: Redis) -> SessionRevocations:
        return RedisRevocations(redis, settings.redis_key_prefix, settings.access_token_ttl + 60)

    @provide
    def limits_storage(self, settings: Settings, redis: Redis) -> Storage:
        return redis_storage(redis, settings.redis_key_prefix)

    @provide
    def readiness(self, settings: Settings, engine: AsyncEngine, redis: Redis) -> CheckReadiness:
        probes: list[Probe] = [DatabaseProbe(engine), RedisProbe(redis)]
        return CheckReadiness(probes, settings.readiness_timeout)

    @provide
    def refresh_locks(self, settings: Settings, redis: Redis) -> RefreshLocks:
        return RedisLocks(redis, settings.redis_key_prefix, ttl=settings.google_timeout * (settings.google_retries + 1))

    @provide
    def snapshots(self, settings: Settings, redis: Redis) -> SnapshotCache:
        # The lock outlives one upstream call (bounded by briefing_timeout) with room for parsing the answer.
        lock_ttl = settings.briefing_timeout + 5
        return RedisSnapshots(redis, settings.redis_key_prefix, settings.briefing_stale_ttl, lock_ttl)


class Outbound(Provider):
    """The one HTTP client every adapter that calls a third party shares (connection pooling)."""

    scope = Scope.APP

    @provide
    async def http_client(self) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            yield client

    @provide
    def telegram(self, settings: Settings, client: httpx.AsyncClient) -> TelegramSender:
        return TelegramBotApi(
            client, settings.telegram_api_base, settings.telegram_bot_token, settings.telegram_timeout
        )


class Queueing(Provider):
    """The broker a process sends work through. The worker and the app pass the one they built (its tasks
    registered, dishka wired both ways); otherwise a send-only broker is made the first time one is needed."""

    def __init__(self, broker: AsyncBroker | None = None) -> None:
        super().__init__()
        self._broker = broker

    @provide(scope=Scope.APP)
    async def broker(self, settings: Settings) -> AsyncIterator[AsyncBroker]:
        if self._broker is not None:
            yield self._broker
            return
        broker = make_broker(settings.redis_url, settings.redis_key_prefix)  # send-only: no startup needed
        yield broker
        await broker.shutdown()

    run_queue = provide(TaskiqRunQueue, scope=Scope.APP, provides=RunQueue)
    webhook_queue = provide(TaskiqWebhookQueue, scope=Scope.APP, provides=WebhookQueue)
    task_queue = provide(TaskiqTaskQueue, scope=Scope.APP, provides=TaskQueue)
