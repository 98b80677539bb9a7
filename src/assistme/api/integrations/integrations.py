"""/integrations: the provider catalog, connecting through a consent, running actions, disconnecting."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect

from assistme.api.access import SECURED
from assistme.api.ids import parse_id
from assistme.api.integrations.schemas import (
    AuthorizationOut,
    ConnectIn,
    ConnectionOut,
    ExecuteIn,
    ExecuteOut,
    ProviderOut,
)
from assistme.api.openapi import responses
from assistme.core.identity.principal import Principal
from assistme.core.integrations.actions import ExecuteAction
from assistme.core.integrations.authorize import CompleteConnect, StartConnect
from assistme.core.integrations.connections import Disconnect, ListConnections, ListProviders

Callback = Annotated[str | None, QueryParameter(max_length=2048)]
StateParam = Annotated[str | None, QueryParameter(name="state", max_length=2048)]  # `state` is Litestar's own


class IntegrationController(Controller):
    path = "/api/v1/integrations"
    tags = ["integrations"]
    security = SECURED

    @get("/available", summary="Providers, their scopes and their actions with parameter schemas")
    @inject
    async def available(self, providers: FromDishka[ListProviders]) -> list[ProviderOut]:
        return [ProviderOut.of(spec) for spec in providers()]

    @get(summary="The caller's connections (never a token)")
    @inject
    async def list_connections(
        self, principal: FromDishka[Principal], connections: FromDishka[ListConnections]
    ) -> list[ConnectionOut]:
        return [ConnectionOut.of(c) for c in await connections(principal)]

    @post(
        "/{provider:str}/connect",
        status_code=200,
        summary="Start a consent: the URL to send the browser to (state lives 15 minutes, single use)",
        responses=responses(404, 422, 503),
    )
    @inject
    async def connect(
        self,
        provider: FromPath[str],
        data: JSONBody[ConnectIn],
        principal: FromDishka[Principal],
        start: FromDishka[StartConnect],
    ) -> AuthorizationOut:
        return AuthorizationOut(await start(principal, provider, data.return_url))

    @delete(
        "/{connection_id:str}",
        summary="Revoke at the provider (best effort) and delete the connection",
        responses=responses(404),
    )
    @inject
    async def disconnect(
        self, connection_id: FromPath[str], principal: FromDishka[Principal], disconnect: FromDishka[Disconnect]
    ) -> None:
        await disconnect(principal, parse_id(connection_id, "connection"))

    @post(
        "/{connection_id:str}/execute",
        status_code=200,
        summary="Run one of the provider's actions",
        description="403 names the missing scopes; 409 when the grant is dead (connect again); 503 when the "
        "provider stays unavailable.",
        responses=responses(403, 404, 409, 422, 503),
    )
    @inject
    async def execute(
        self,
        connection_id: FromPath[str],
        data: JSONBody[ExecuteIn],
        principal: FromDishka[Principal],
        execute: FromDishka[ExecuteAction],
    ) -> ExecuteOut:
        result = await execute(principal, parse_id(connection_id, "connection"), data.action, data.params)
        return ExecuteOut(data.action, result)


class IntegrationCallbackController(Controller):
    """Public: the browser arrives from the provider with no bearer token; the single-use state is the credential."""

    path = "/api/v1/integrations"
    tags = ["integrations"]

    @get(
        "/callback",
        status_code=302,
        summary="Where the provider sends the browser back: stores the tokens, redirects to the return_url",
        description="Answers 302 to the return_url with status=connected, or status=error&reason=...; "
        "a missing, unknown, used or expired state answers 400 and stores nothing.",
        responses=responses(400),
    )
    @inject
    async def callback(
        self,
        complete: FromDishka[CompleteConnect],
        state_: StateParam = None,
        code: Callback = None,
        error: Callback = None,
    ) -> Redirect:
        return Redirect(await complete(state_, code, error), status_code=302)
