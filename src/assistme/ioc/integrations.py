"""dishka providers: Google connections, tokens and sign-in."""

from __future__ import annotations

from datetime import timedelta

import httpx
from dishka import Provider, Scope, provide, provide_all

from assistme.adapters.google.oauth import GoogleOAuth
from assistme.adapters.google.registry import RegisteredProviders
from assistme.adapters.google.sign_in import GoogleOpenId
from assistme.adapters.persistence.channels import SqlOutwardChannels
from assistme.adapters.persistence.connections import SqlConnectionRepository
from assistme.adapters.persistence.oauth_states import SqlAuthorizationRepository, SqlSignInStates
from assistme.adapters.security.keyring import FernetKeyring, development_key
from assistme.adapters.validation.json_schema import JsonSchemaChecker
from assistme.config import Settings
from assistme.core.identity.google_sign_in import CompleteGoogleSignIn, StartGoogleSignIn
from assistme.core.identity.ports import (
    OpenIdProvider,
    OutwardChannels,
    SignInStates,
)
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
)
from assistme.core.integrations.rotation import RotateKeys
from assistme.core.integrations.tokens import LiveTokens
from assistme.core.shared.returns import AllowedReturn, ReturnAllowList


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
