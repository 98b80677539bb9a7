"""Running a provider's action for the connection's owner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from assistme.core.identity.ports import Throttle
from assistme.core.identity.principal import Principal
from assistme.core.integrations.authorize import provider_api
from assistme.core.integrations.entities import Connection, ConnectionStatus
from assistme.core.integrations.errors import MissingScopes, NeedsReauth
from assistme.core.integrations.policy import IntegrationsPolicy
from assistme.core.integrations.ports import ConnectionRepository, ParamsChecker, Providers, TokenRejected
from assistme.core.integrations.tokens import LiveTokens
from assistme.core.shared.errors import FieldError, InvalidInput, NotFound, RateLimited, Unavailable
from assistme.core.shared.uow import UnitOfWork


async def owned(connections: ConnectionRepository, user_id: UUID, connection_id: UUID) -> Connection:
    connection = await connections.get(connection_id)
    if connection is None or connection.user_id != user_id:
        raise NotFound("no such connection")
    return connection


@dataclass(slots=True)
class ActionRunner:
    """Checks an action against the provider's catalog (name, parameters, scopes granted) before anything is sent,
    then calls the provider with a live token; a token the provider refuses is refreshed once and the call
    repeated (a refused token did nothing). Providers repeat a write only where it cannot take effect twice: a
    calendar insert carries an id Google dedupes on, mail is not resent once it may have reached Google."""

    providers: Providers
    checker: ParamsChecker
    tokens: LiveTokens
    uow: UnitOfWork

    async def __call__(
        self, connection: Connection, action: str, params: dict[str, Any], *, within: str = "params"
    ) -> Any:
        """``within`` names where the parameters came from, for the fields of a 422."""
        api = provider_api(self.providers, connection.provider)
        spec = api.spec.action(action)
        if spec is None:
            names = ", ".join(a.name for a in api.spec.actions)
            raise InvalidInput.field("action", f"{connection.provider} has no action {action!r}; it has {names}")
        if errors := self.checker.violations(params, spec.params):
            fields = [FieldError(".".join(p for p in (within, e.field) if p) or "body", e.message) for e in errors]
            raise InvalidInput("the action's parameters are invalid", fields)
        if missing := [scope for scope in spec.scopes if scope not in connection.scopes]:
            raise MissingScopes(connection.provider, action, missing)
        if connection.status is not ConnectionStatus.ACTIVE:
            raise NeedsReauth(connection.provider)
        await self.uow.commit()  # nothing is written here; no transaction stays open across the provider's call
        try:
            return await api.run(action, params, await self.tokens(connection))
        except TokenRejected:
            pass
        try:
            return await api.run(action, params, await self.tokens(connection, force=True))
        except TokenRejected:
            raise Unavailable(f"{connection.provider} refused a freshly refreshed token; try again later") from None


@dataclass(slots=True)
class ExecuteAction:
    """``POST /integrations/{id}/execute``: one of the caller's connections runs one action."""

    connections: ConnectionRepository
    run: ActionRunner
    throttle: Throttle
    policy: IntegrationsPolicy

    async def __call__(self, principal: Principal, connection_id: UUID, action: str, params: dict[str, Any]) -> Any:
        connection = await owned(self.connections, principal.require_user(), connection_id)
        if (wait := await self.throttle.hit(self.policy.execute_limit, f"execute:{connection.user_id}")) is not None:
            raise RateLimited("too many actions: wait a moment", wait)
        return await self.run(connection, action, params)


@dataclass(slots=True)
class ProviderAction:
    """An action on the caller's connection to a named provider (the calendar routes), 404 when there is none."""

    connections: ConnectionRepository
    run: ActionRunner

    async def __call__(
        self, principal: Principal, provider: str, action: str, params: dict[str, Any], *, within: str = ""
    ) -> Any:
        connection = await self.connections.of_user(principal.require_user(), provider)
        if connection is None:
            raise NotFound(f"connect {provider} first: POST /api/v1/integrations/{provider}/connect")
        return await self.run(connection, action, params, within=within)
