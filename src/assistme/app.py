"""The Litestar application factory."""

from __future__ import annotations

from dishka import Provider, Scope, provide
from dishka.integrations.litestar import LitestarProvider, setup_dishka
from dishka.integrations.taskiq import setup_dishka as setup_taskiq_dishka
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from taskiq import InMemoryBroker

from assistme import __version__
from assistme.adapters.taskiq.broker import make_broker
from assistme.api.access import AccessPolicy
from assistme.api.analytics.api_calls import AnalyticsController
from assistme.api.analytics.metrics import metrics_controller, metrics_middleware
from assistme.api.assistants.assistants import AssistantController
from assistme.api.assistants.secretaries import SecretaryController, UserSecretaryController
from assistme.api.assistants.tools import ToolController
from assistme.api.briefing.briefing import DashboardController, NewsController, WeatherController
from assistme.api.conversations.conversations import ConversationController
from assistme.api.conversations.tasks import TaskController
from assistme.api.conversations.ws import agent_socket
from assistme.api.guards import request_guard
from assistme.api.idempotency import IdempotencyPlugin
from assistme.api.identity.admin_users import UsersController
from assistme.api.identity.api_keys import ApiKeyController
from assistme.api.identity.auth import AuthController
from assistme.api.identity.google import GoogleSignInController
from assistme.api.identity.sessions import SessionController
from assistme.api.identity.users import MeController
from assistme.api.integrations.calendar import CalendarCredentialsController, CalendarEventsController
from assistme.api.integrations.integrations import IntegrationCallbackController, IntegrationController
from assistme.api.openapi import PlatformErrors, StrictBodies, openapi_config
from assistme.api.platform import PlatformController, scalar_bundle
from assistme.api.problems import HANDLERS
from assistme.api.requests import RequestLog
from assistme.api.routing import TruthfulOptions
from assistme.api.scheduling.inbox import InboxController
from assistme.api.scheduling.jobs import JobController
from assistme.api.scheduling.telegram import MyTelegramController, TelegramController
from assistme.api.webhooks.webhooks import WebhookController
from assistme.config import Settings, load_settings
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import Unauthenticated
from assistme.due_work import DueWorkLoop
from assistme.heap import freeze_startup_objects
from assistme.ioc import Queueing, make_container
from assistme.logs import configure_logging
from assistme.recording import ApiCallRecording
from assistme.tasks import register_tasks


class Http(Provider):
    """What only a web request has: the principal the access guard put on it."""

    @provide(scope=Scope.APP)
    def access_policy(self, settings: Settings) -> AccessPolicy:
        return AccessPolicy(
            rate_limits=settings.rate_limit_enabled,
            default_limit=settings.rate_limit_default,
            auth_limit=settings.rate_limit_auth,
            trusted_proxies=tuple(settings.trusted_proxies),
        )

    @provide(scope=Scope.REQUEST)
    def principal(self, request: Request) -> Principal:  # type: ignore[type-arg]
        principal = request.scope.get("user")
        if not isinstance(principal, Principal):
            raise Unauthenticated("a bearer token is required")
        return principal


def create_served_app() -> Litestar:
    """`assistme run`'s app: ``create_app``'s, whose startup objects are frozen once it has started. Not for tests,
    which build many apps in one process: a frozen heap keeps their cyclic garbage for good."""
    app = create_app()
    app.on_startup.append(freeze_startup_objects)
    return app


def create_app(settings: Settings | None = None, *providers: Provider) -> Litestar:
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    # Embedded, this broker runs each task in this process, on this container; served, it only sends.
    broker = make_broker(settings.redis_url, settings.redis_key_prefix)
    container = make_container(settings, LitestarProvider(), Http(), Queueing(broker), *providers)
    if settings.embedded:
        register_tasks(broker)
        setup_taskiq_dishka(container, broker)
    due_work = DueWorkLoop(container, settings.scheduler_poll_interval, settings.scheduler_sweep_interval)
    recording = ApiCallRecording(container, settings.analytics_flush_interval)

    async def start_background() -> None:
        if settings.analytics_enabled:
            await recording.start(request_log)
        if settings.embedded:
            await broker.startup()
        # Served, the API only sends: starting a Redis broker declares the workers' consumer group, which needs
        # Redis up, and the API must start (and answer liveness) while Redis is away.
        if settings.runs_scheduler:
            await due_work.start()

    async def stop_background() -> None:
        await recording.stop()  # the records still waiting are written
        await due_work.stop()
        if isinstance(broker, InMemoryBroker):
            await broker.wait_all()  # runs started here finish before their container closes
        await broker.shutdown()
        await container.close()

    app = Litestar(
        route_handlers=[
            PlatformController,
            scalar_bundle(settings.static_dir),
            AuthController,
            GoogleSignInController,
            MeController,
            SessionController,
            UsersController,
            ApiKeyController,
            AssistantController,
            ToolController,
            SecretaryController,
            UserSecretaryController,
            JobController,
            InboxController,
            MyTelegramController,
            TelegramController,
            IntegrationController,
            IntegrationCallbackController,
            CalendarEventsController,
            CalendarCredentialsController,
            ConversationController,
            TaskController,
            WebhookController,
            WeatherController,
            NewsController,
            DashboardController,
            AnalyticsController,
            *([metrics_controller(settings.metrics_token)] if settings.metrics_enabled else []),
            agent_socket,
        ],
        guards=[request_guard],
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config(settings.static_dir, __version__),
        plugins=[PlatformErrors(), StrictBodies(), TruthfulOptions(), IdempotencyPlugin()],
        middleware=[metrics_middleware()] if settings.metrics_enabled else [],
        cors_config=CORSConfig(allow_origins=settings.cors_origins) if settings.cors_origins else None,
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,
        on_startup=[start_background],
        on_shutdown=[stop_background],
        debug=False,
    )
    setup_dishka(container, app)
    app.asgi_handler = request_log = RequestLog(app.asgi_handler, settings.log_requests)
    return app
