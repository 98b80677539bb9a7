"""The Litestar application factory."""

from __future__ import annotations

from dishka import Provider, Scope, provide
from dishka.integrations.litestar import LitestarProvider, setup_dishka
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig

from assistme import __version__
from assistme.api.access import AccessPolicy, access_guard
from assistme.api.assistants.assistants import AssistantController
from assistme.api.assistants.secretaries import SecretaryController, UserSecretaryController
from assistme.api.assistants.tools import ToolController
from assistme.api.identity.admin_users import UsersController
from assistme.api.identity.api_keys import ApiKeyController
from assistme.api.identity.auth import AuthController
from assistme.api.identity.sessions import SessionController
from assistme.api.identity.users import MeController
from assistme.api.openapi import PlatformErrors, openapi_config
from assistme.api.platform import PlatformController, scalar_bundle
from assistme.api.problems import HANDLERS
from assistme.api.requests import RequestLog
from assistme.config import Settings, load_settings
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import Unauthenticated
from assistme.ioc import make_container
from assistme.logs import configure_logging


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


def create_app(settings: Settings | None = None, *providers: Provider) -> Litestar:
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    container = make_container(settings, LitestarProvider(), Http(), *providers)
    app = Litestar(
        route_handlers=[
            PlatformController,
            scalar_bundle(settings.static_dir),
            AuthController,
            MeController,
            SessionController,
            UsersController,
            ApiKeyController,
            AssistantController,
            ToolController,
            SecretaryController,
            UserSecretaryController,
        ],
        guards=[access_guard],
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config(settings.static_dir, __version__),
        plugins=[PlatformErrors()],
        cors_config=CORSConfig(allow_origins=settings.cors_origins) if settings.cors_origins else None,
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,
        on_shutdown=[container.close],
        debug=False,
    )
    setup_dishka(container, app)
    app.asgi_handler = RequestLog(app.asgi_handler, settings.log_requests)
    return app
