"""dishka providers: which adapter serves which port, in the served and the embedded setup."""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
from dishka import AsyncContainer, Provider, Scope, alias, make_async_container, provide, provide_all
from limits.aio.storage import Storage
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import AsyncBroker

from assistme import __version__
from assistme.adapters.briefing.feeds import FeedReader
from assistme.adapters.briefing.open_meteo import OpenMeteo
from assistme.adapters.cache.locks import MemoryLocks, RedisLocks
from assistme.adapters.cache.probe import RedisProbe
from assistme.adapters.cache.revocations import MemoryRevocations, RedisRevocations
from assistme.adapters.cache.snapshots import MemorySnapshots, RedisSnapshots
from assistme.adapters.cache.throttle import LimitsThrottle, memory_storage, redis_storage
from assistme.adapters.google.oauth import GoogleOAuth
from assistme.adapters.google.registry import RegisteredProviders
from assistme.adapters.google.sign_in import GoogleOpenId
from assistme.adapters.http.telegram import TelegramBotApi
from assistme.adapters.llm.openai_chat import ConfiguredModels, OpenAiChat
from assistme.adapters.persistence.api_calls import SqlApiCallStore
from assistme.adapters.persistence.api_keys import SqlApiKeyRepository
from assistme.adapters.persistence.assistants import SqlAssistantRepository, SqlToolRepository
from assistme.adapters.persistence.channels import SqlOutwardChannels
from assistme.adapters.persistence.connections import SqlConnectionRepository
from assistme.adapters.persistence.conversations import (
    SqlConversationRepository,
    SqlMessageRepository,
    SqlPendingActionRepository,
)
from assistme.adapters.persistence.due_work import SqlDueWork
from assistme.adapters.persistence.engine import make_engine
from assistme.adapters.persistence.history import SqlHistory
from assistme.adapters.persistence.idempotency import SqlIdempotencyStore
from assistme.adapters.persistence.jobs import SqlJobRepository, SqlRunRepository
from assistme.adapters.persistence.notifications import SqlLinkCodeRepository, SqlNotificationRepository
from assistme.adapters.persistence.oauth_states import SqlAuthorizationRepository, SqlSignInStates
from assistme.adapters.persistence.probe import DatabaseProbe
from assistme.adapters.persistence.secretaries import SqlSecretaryRepository
from assistme.adapters.persistence.sessions import SqlRefreshTokenRepository, SqlSessionRepository
from assistme.adapters.persistence.tasks import SqlTaskRepository
from assistme.adapters.persistence.uow import SqlUnitOfWork
from assistme.adapters.persistence.users import SqlUserRepository
from assistme.adapters.persistence.webhook_deliveries import SqlDeliveryRepository
from assistme.adapters.persistence.webhooks import SqlEndpointRepository
from assistme.adapters.security.digests import HmacDigest, derive_key
from assistme.adapters.security.keyring import FernetKeyring, development_key
from assistme.adapters.security.passwords import Argon2Hasher
from assistme.adapters.security.sealing import FernetSealer
from assistme.adapters.security.tokens import JwtAccessTokens
from assistme.adapters.taskiq.broker import make_broker
from assistme.adapters.taskiq.queue import TaskiqRunQueue, TaskiqTaskQueue, TaskiqWebhookQueue
from assistme.adapters.validation.json_schema import JsonSchemaChecker
from assistme.adapters.webhooks.guard import AddressGuard as WebhookAddressGuard
from assistme.adapters.webhooks.sender import HttpWebhookSender
from assistme.config import Settings
from assistme.core.analytics.api_calls import FlushApiCalls, ReportApiCalls
from assistme.core.analytics.buffer import CallBuffer
from assistme.core.analytics.due_work import MeasureDueWork
from assistme.core.analytics.ports import ApiCallStore, DueWork
from assistme.core.assistants.assistants import (
    AttachTool,
    CreateAssistant,
    DeleteAssistant,
    GetAssistant,
    ListAssistants,
    UpdateAssistant,
)
from assistme.core.assistants.ports import AssistantRepository, SchemaChecker, SecretaryRepository, ToolRepository
from assistme.core.assistants.secretaries import MySecretary, Secretaries, UserSecretary
from assistme.core.assistants.tools import CreateTool, DeleteTool, GetTool, ListTools, UpdateTool
from assistme.core.briefing.caching import ReadThrough
from assistme.core.briefing.dashboard import MorningBriefing
from assistme.core.briefing.entities import Feed
from assistme.core.briefing.news import TopNews
from assistme.core.briefing.policy import BriefingPolicy
from assistme.core.briefing.ports import AccountActions, NewsSource, SnapshotCache, WeatherSource
from assistme.core.briefing.reminders import TodaysReminders
from assistme.core.briefing.weather import CurrentWeather, WeatherReader
from assistme.core.conversations.agent import AgentLoop
from assistme.core.conversations.chat import SendMessage
from assistme.core.conversations.conversations import (
    CreateConversation,
    DeleteConversation,
    GetConversation,
    ListConversations,
    ListMessages,
)
from assistme.core.conversations.decisions import ConfirmAction, RejectAction
from assistme.core.conversations.job_tasks import ReportJobTask, SubmitJobTask
from assistme.core.conversations.model import LanguageModels
from assistme.core.conversations.policy import AgentPolicy
from assistme.core.conversations.ports import (
    ConversationRepository,
    MessageRepository,
    PendingActionRepository,
    TaskOutcomes,
    TaskQueue,
    TaskRepository,
)
from assistme.core.conversations.task_runner import RunTask, SweepTasks
from assistme.core.conversations.tasks import EnqueueTask, GetTask, ListTasks, SubmitTask
from assistme.core.conversations.toolbox import ToolBox
from assistme.core.housekeeping.retention import History, PruneHistory, RetentionPolicy
from assistme.core.idempotency.keys import IdempotencyKeys, IdempotencyPolicy
from assistme.core.idempotency.ports import AnswerSealer, IdempotencyStore
from assistme.core.identity.account import ChangePassword, DeleteAccount
from assistme.core.identity.admin_users import CreateUser, DeleteUser, GetUser, ListUsers, UpdateUser, UserByTelegram
from assistme.core.identity.api_keys import CreateApiKey, DeleteApiKey, ListApiKeys
from assistme.core.identity.authenticate import AuthenticateAccessToken, AuthenticateApiKey
from assistme.core.identity.google_sign_in import CompleteGoogleSignIn, StartGoogleSignIn
from assistme.core.identity.housekeeping import PurgeSessions
from assistme.core.identity.login import Login
from assistme.core.identity.logout import Logout
from assistme.core.identity.minting import TokenMinter
from assistme.core.identity.policy import IdentityPolicy
from assistme.core.identity.ports import (
    AccessTokens,
    ApiKeyRepository,
    OpenIdProvider,
    OutwardChannels,
    PasswordHasher,
    RefreshTokenRepository,
    SecretDigest,
    SessionRepository,
    SessionRevocations,
    SignInStates,
    Throttle,
    UserRepository,
)
from assistme.core.identity.principal import Principal
from assistme.core.identity.profile import CurrentUser, UpdateProfile
from assistme.core.identity.refresh import RefreshSession
from assistme.core.identity.register import RegisterUser
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.identity.roles import AssignRole
from assistme.core.identity.sessions import ListSessions, RevokeOtherSessions, RevokeSession
from assistme.core.integrations.actions import ActionRunner, ExecuteAction, ProviderAction
from assistme.core.integrations.authorize import CompleteConnect, StartConnect
from assistme.core.integrations.connections import Disconnect, ListConnections, ListProviders
from assistme.core.integrations.imports import (
    CalendarCredentials,
    DeleteCalendarCredentials,
    ImportCalendarCredentials,
)
from assistme.core.integrations.policy import IntegrationsPolicy
from assistme.core.integrations.ports import (
    AuthorizationRepository,
    ConnectionRepository,
    Keyring,
    OAuthClient,
    ParamsChecker,
    Providers,
    RefreshLocks,
)
from assistme.core.integrations.rotation import RotateKeys
from assistme.core.integrations.tokens import LiveTokens
from assistme.core.scheduling.dispatch import DispatchDueRuns, SweepRuns
from assistme.core.scheduling.execute import Courier, DeliverRun, ExecuteRun
from assistme.core.scheduling.inbox import DeleteNotification, ListNotifications, ReadNotifications
from assistme.core.scheduling.jobs import CreateJob, DeleteJob, GetJob, JobChecks, ListJobs, UpdateJob
from assistme.core.scheduling.ports import (
    JobRepository,
    JobTasks,
    LinkCodeRepository,
    NotificationRepository,
    RunQueue,
    RunRepository,
    TelegramSender,
)
from assistme.core.scheduling.rules import SchedulingPolicy
from assistme.core.scheduling.runs import ListRuns, PreviewRuns, RunJobNow
from assistme.core.scheduling.telegram_link import IssueTelegramLinkCode, LinkTelegramChat, UnlinkTelegramChat
from assistme.core.shared.clock import Clock, SystemClock
from assistme.core.shared.errors import Unavailable
from assistme.core.shared.readiness import CheckReadiness, Probe
from assistme.core.shared.returns import AllowedReturn, ReturnAllowList
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.deliveries import ListDeliveries, ResendDelivery, SendTest
from assistme.core.webhooks.delivery import DeliverWebhook, DispatchWebhooks
from assistme.core.webhooks.endpoints import (
    CreateEndpoint,
    DeleteEndpoint,
    GetEndpoint,
    ListEndpoints,
    RotateSecret,
    UpdateEndpoint,
)
from assistme.core.webhooks.events import RecordEvent
from assistme.core.webhooks.keys import ResealWebhookSecrets
from assistme.core.webhooks.policy import WebhookPolicy
from assistme.core.webhooks.ports import (
    AddressGuard,
    DeliveryRepository,
    EndpointRepository,
    Events,
    WebhookQueue,
    WebhookSender,
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
    def session_maker(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(engine, expire_on_commit=False)

    @provide(scope=Scope.REQUEST)
    async def session(self, maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        # Closing rolls back what was not committed; on a connection the server dropped after the answer was decided
        # that fails as Unavailable. The pool has invalidated the connection already: nothing is left to report.
        with contextlib.suppress(Unavailable):
            async with maker() as session:
                yield session

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


class Assistants(Provider):
    assistants = provide(SqlAssistantRepository, scope=Scope.REQUEST, provides=AssistantRepository)
    tools = provide(SqlToolRepository, scope=Scope.REQUEST, provides=ToolRepository)
    checker = provide(JsonSchemaChecker, scope=Scope.APP, provides=SchemaChecker)
    secretary_links = provide(SqlSecretaryRepository, scope=Scope.REQUEST, provides=SecretaryRepository)
    use_cases = provide_all(
        ListTools,
        GetTool,
        CreateTool,
        UpdateTool,
        DeleteTool,
        ListAssistants,
        GetAssistant,
        CreateAssistant,
        UpdateAssistant,
        DeleteAssistant,
        AttachTool,
        Secretaries,
        MySecretary,
        UserSecretary,
        scope=Scope.REQUEST,
    )


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


class Scheduling(Provider):
    jobs = provide(SqlJobRepository, scope=Scope.REQUEST, provides=JobRepository)
    runs = provide(SqlRunRepository, scope=Scope.REQUEST, provides=RunRepository)
    notifications = provide(SqlNotificationRepository, scope=Scope.REQUEST, provides=NotificationRepository)
    link_codes = provide(SqlLinkCodeRepository, scope=Scope.REQUEST, provides=LinkCodeRepository)
    courier = provide(Courier, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> SchedulingPolicy:
        return SchedulingPolicy(
            lease_seconds=settings.run_lease_seconds,
            misfire_grace=settings.misfire_grace_seconds,
            max_run_attempts=settings.max_run_attempts,
            delivery_backoff=tuple(settings.delivery_backoff),
            max_jobs_per_user=settings.max_jobs_per_user,
        )

    use_cases = provide_all(
        JobChecks,
        ListJobs,
        GetJob,
        CreateJob,
        UpdateJob,
        DeleteJob,
        ListRuns,
        PreviewRuns,
        RunJobNow,
        DispatchDueRuns,
        SweepRuns,
        ExecuteRun,
        DeliverRun,
        ListNotifications,
        ReadNotifications,
        DeleteNotification,
        IssueTelegramLinkCode,
        LinkTelegramChat,
        UnlinkTelegramChat,
        scope=Scope.REQUEST,
    )


class Integrations(Provider):
    connections = provide(SqlConnectionRepository, scope=Scope.REQUEST, provides=ConnectionRepository)
    authorizations = provide(SqlAuthorizationRepository, scope=Scope.REQUEST, provides=AuthorizationRepository)
    params_checker = provide(JsonSchemaChecker, scope=Scope.APP, provides=ParamsChecker)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> IntegrationsPolicy:
        return IntegrationsPolicy(
            state_ttl=timedelta(seconds=settings.oauth_state_ttl),
            client_configured=bool(settings.google_client_id and settings.google_client_secret),
            connect_limit=settings.connect_rate_limit,
            execute_limit=settings.execute_rate_limit,
        )

    @provide(scope=Scope.APP)
    def keyring(self, settings: Settings) -> Keyring:
        return FernetKeyring(settings.encryption_keys or [development_key(settings.secret_key)])

    @provide(scope=Scope.APP)
    def providers(self, settings: Settings, client: httpx.AsyncClient) -> Providers:
        return RegisteredProviders(client, settings.google_api_base, settings.google_retries, settings.google_timeout)

    @provide(scope=Scope.APP)
    def oauth(self, settings: Settings, client: httpx.AsyncClient) -> OAuthClient:
        return google_oauth(settings, client, settings.google_redirect_uri)

    @provide(scope=Scope.APP)
    def openid(self, settings: Settings, client: httpx.AsyncClient) -> OpenIdProvider:
        return GoogleOpenId(
            google_oauth(settings, client, settings.google_sign_in_redirect_uri),
            client,
            client_id=settings.google_client_id or "",
            jwks_url=settings.google_jwks_url,
            issuers=settings.google_issuers,
            timeout=settings.google_timeout,
        )

    @provide(scope=Scope.APP)
    def return_urls(self, settings: Settings) -> ReturnAllowList:
        return ReturnAllowList(tuple(AllowedReturn.parse(entry) for entry in settings.oauth_return_urls))

    sign_in_states = provide(SqlSignInStates, scope=Scope.REQUEST, provides=SignInStates)
    outward_channels = provide(SqlOutwardChannels, scope=Scope.REQUEST, provides=OutwardChannels)

    use_cases = provide_all(
        LiveTokens,
        ActionRunner,
        ListProviders,
        ListConnections,
        StartConnect,
        CompleteConnect,
        Disconnect,
        ExecuteAction,
        ProviderAction,
        ImportCalendarCredentials,
        CalendarCredentials,
        DeleteCalendarCredentials,
        RotateKeys,
        StartGoogleSignIn,
        CompleteGoogleSignIn,
        scope=Scope.REQUEST,
    )


def google_oauth(settings: Settings, client: httpx.AsyncClient, redirect_uri: str) -> GoogleOAuth:
    return GoogleOAuth(
        client,
        client_id=settings.google_client_id or "",
        client_secret=settings.google_client_secret or "",
        redirect_uri=redirect_uri,
        auth_url=settings.google_auth_url,
        token_url=settings.google_token_url,
        revoke_url=settings.google_revoke_url,
        retries=settings.google_retries,
        timeout=settings.google_timeout,
    )


USER_AGENT = f"assistme/{__version__}"  # what Open-Meteo and feed servers see; some refuse a library's default


class OwnUnitActions:
    """AccountActions: each call resolves ProviderAction in a request scope of its own (its own session and unit of
    work), so calls that may refresh a token, and so write, can run at the same time."""

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container

    async def __call__(self, principal: Principal, provider: str, action: str, params: dict[str, Any]) -> Any:
        async with self._container() as scope:
            return await (await scope.get(ProviderAction))(principal, provider, action, params)


class Briefing(Provider):
    scope = Scope.APP

    @provide
    def policy(self, settings: Settings) -> BriefingPolicy:
        return BriefingPolicy(
            feeds=tuple(Feed(name, url) for name, url in settings.news_feeds.items()),
            weather_ttl=timedelta(seconds=settings.weather_ttl),
            news_ttl=timedelta(seconds=settings.news_ttl),
            section_timeout=settings.dashboard_section_timeout,
        )

    @provide
    def weather_source(self, settings: Settings, client: httpx.AsyncClient) -> WeatherSource:
        return OpenMeteo(client, settings.open_meteo_base_url, settings.briefing_timeout, USER_AGENT)

    @provide
    def news_source(self, settings: Settings, client: httpx.AsyncClient) -> NewsSource:
        return FeedReader(
            client,
            timeout=settings.briefing_timeout,
            max_bytes=settings.news_max_bytes,
            max_items=settings.news_items_per_feed,
            user_agent=USER_AGENT,
        )

    @provide
    def account_actions(self, container: AsyncContainer) -> AccountActions:
        return OwnUnitActions(container)  # the APP container: each call opens a request scope under it

    shared = provide_all(ReadThrough, WeatherReader, TopNews)
    use_cases = provide_all(CurrentWeather, TodaysReminders, MorningBriefing, scope=Scope.REQUEST)


class Conversations(Provider):
    conversations = provide(SqlConversationRepository, scope=Scope.REQUEST, provides=ConversationRepository)
    messages = provide(SqlMessageRepository, scope=Scope.REQUEST, provides=MessageRepository)
    pending = provide(SqlPendingActionRepository, scope=Scope.REQUEST, provides=PendingActionRepository)
    tasks = provide(SqlTaskRepository, scope=Scope.REQUEST, provides=TaskRepository)
    job_tasks = provide(SubmitJobTask, scope=Scope.REQUEST, provides=JobTasks)
    outcomes = provide(ReportJobTask, scope=Scope.REQUEST, provides=TaskOutcomes)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> AgentPolicy:
        # Between two extensions a task or a reply waits on one model call, retries included: outlast that.
        lease = max(300, int(settings.llm_timeout * (settings.llm_retries + 1)) + 60)
        return AgentPolicy(
            max_steps=settings.agent_max_steps,
            token_budget=settings.agent_token_budget,
            history_chars=settings.agent_history_chars,
            max_depth=settings.agent_max_depth,
            chat_limit=settings.chat_rate_limit,
            task_limit=settings.task_rate_limit,
            task_lease=lease,
            reply_lease=lease,
        )

    @provide(scope=Scope.APP)
    def models(self, settings: Settings, client: httpx.AsyncClient) -> LanguageModels:
        def server(base_url: str | None, key: str | None, model: str | None) -> OpenAiChat | None:
            if base_url is None:
                return None
            return OpenAiChat(
                client, base_url, key, model=model, timeout=settings.llm_timeout, retries=settings.llm_retries
            )

        openai = (
            server(settings.openai_base_url, settings.openai_api_key, settings.openai_model)
            if settings.openai_api_key
            else None
        )
        return ConfiguredModels(server(settings.llm_base_url, settings.llm_api_key, settings.llm_model), openai)

    use_cases = provide_all(
        ToolBox,
        AgentLoop,
        CreateConversation,
        ListConversations,
        GetConversation,
        ListMessages,
        DeleteConversation,
        SendMessage,
        ConfirmAction,
        RejectAction,
        EnqueueTask,
        SubmitTask,
        ListTasks,
        GetTask,
        RunTask,
        SweepTasks,
        scope=Scope.REQUEST,
    )


class Analytics(Provider):
    """The request records' buffer is one per process: the app fills it and its flusher empties it. A test passes
    the buffer it shares between the app and its own flushes; otherwise one is made."""

    def __init__(self, buffer: CallBuffer | None = None) -> None:
        super().__init__()
        self._buffer = buffer

    @provide(scope=Scope.APP)
    def buffer(self, settings: Settings) -> CallBuffer:
        if self._buffer is not None:  # not `or`: an empty buffer is falsy
            return self._buffer
        return CallBuffer(settings.analytics_batch_size, settings.analytics_buffer_size)

    store = provide(SqlApiCallStore, scope=Scope.REQUEST, provides=ApiCallStore)
    due_work = provide(SqlDueWork, scope=Scope.REQUEST, provides=DueWork)
    use_cases = provide_all(FlushApiCalls, ReportApiCalls, MeasureDueWork, scope=Scope.REQUEST)


class Housekeeping(Provider):
    history = provide(SqlHistory, scope=Scope.REQUEST, provides=History)
    prune = provide(PruneHistory, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> RetentionPolicy:
        return RetentionPolicy(days=settings.retention_days, idempotency_hours=settings.idempotency_retention_hours)


class Idempotency(Provider):
    """Claims and answers in short transactions of their own, never on a request's session."""

    scope = Scope.APP
    store = provide(SqlIdempotencyStore, provides=IdempotencyStore)
    keys = provide(IdempotencyKeys)

    @provide
    def sealer(self, settings: Settings) -> AnswerSealer:
        return FernetSealer(settings.encryption_keys or [development_key(settings.secret_key)])

    @provide
    def policy(self, settings: Settings) -> IdempotencyPolicy:
        return IdempotencyPolicy(
            retention=timedelta(hours=settings.idempotency_retention_hours),
            lease=timedelta(seconds=settings.idempotency_lease_seconds),
        )


class Webhooks(Provider):
    endpoints = provide(SqlEndpointRepository, scope=Scope.REQUEST, provides=EndpointRepository)
    deliveries = provide(SqlDeliveryRepository, scope=Scope.REQUEST, provides=DeliveryRepository)
    events = provide(RecordEvent, scope=Scope.REQUEST, provides=Events)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> WebhookPolicy:
        return WebhookPolicy(
            retry_schedule=tuple(settings.webhook_retry_schedule),
            failure_window=settings.webhook_failure_window,
            # a lease shorter than an attempt would hand a slow one to a second worker
            lease_seconds=math.ceil(settings.webhook_timeout) + 45,
        )

    @provide(scope=Scope.APP)
    def guard(self, settings: Settings) -> WebhookAddressGuard:
        return WebhookAddressGuard(allow_private=settings.webhooks_allow_private)

    address_guard = alias(source=WebhookAddressGuard, provides=AddressGuard)

    @provide(scope=Scope.APP)
    def sender(self, settings: Settings, client: httpx.AsyncClient, guard: WebhookAddressGuard) -> WebhookSender:
        return HttpWebhookSender(client, guard, settings.webhook_timeout)

    use_cases = provide_all(
        CreateEndpoint,
        ListEndpoints,
        GetEndpoint,
        UpdateEndpoint,
        DeleteEndpoint,
        RotateSecret,
        ListDeliveries,
        SendTest,
        ResendDelivery,
        DispatchWebhooks,
        DeliverWebhook,
        ResealWebhookSecrets,
        scope=Scope.REQUEST,
    )


class Identity(Provider):
    throttle = provide(LimitsThrottle, scope=Scope.APP, provides=Throttle)
    authenticate_token = provide(AuthenticateAccessToken, scope=Scope.APP)
    use_cases = provide_all(
        TokenMinter,
        SessionRevoker,
        RegisterUser,
        Login,
        RefreshSession,
        Logout,
        CurrentUser,
        UpdateProfile,
        ChangePassword,
        AssignRole,
        DeleteAccount,
        AuthenticateApiKey,
        ListSessions,
        ListUsers,
        GetUser,
        UserByTelegram,
        CreateUser,
        UpdateUser,
        DeleteUser,
        CreateApiKey,
        ListApiKeys,
        DeleteApiKey,
        RevokeSession,
        RevokeOtherSessions,
        PurgeSessions,
        scope=Scope.REQUEST,
    )


def core_providers(settings: Settings) -> list[Provider]:
    mode = Embedded() if settings.embedded else Served()
    return [
        Persistence(),
        Security(),
        mode,
        Identity(),
        Assistants(),
        Outbound(),
        Scheduling(),
        Integrations(),
        Briefing(),
        Conversations(),
        Webhooks(),
        Housekeeping(),
        Idempotency(),
        Analytics(),
        Queueing(),
    ]


def make_container(settings: Settings, *providers: Provider) -> AsyncContainer:
    """Later providers override earlier ones: that is how tests swap a port for a fake."""
    return make_async_container(*core_providers(settings), *providers, context={Settings: settings})
