"""The access guard: authenticates routes that declare the bearer scheme and applies rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

from dishka import AsyncContainer
from litestar.connection import ASGIConnection
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler

from assistme.core.identity.authenticate import API_KEY_PREFIX, AuthenticateAccessToken, AuthenticateApiKey
from assistme.core.identity.ports import Throttle
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import RateLimited, Unauthenticated

BEARER = "BearerToken"
SECURED: list[dict[str, list[str]]] = [{BEARER: []}]
"""Put on a controller or route: it then needs a bearer credential."""

ACT_AS_HEADER = "x-act-as-user"
RATE_LIMIT = "rate_limit"
"""Route option: ``"auth"`` for the stricter sign-in limit, ``None`` for none; absent means the default."""


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    rate_limits: bool
    default_limit: str
    auth_limit: str
    trusted_proxies: tuple[str, ...]

    def client_address(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The peer address, or the first untrusted hop of X-Forwarded-For when the peer is a trusted proxy."""
        peer = connection.client.host if connection.client else "unknown"
        if not self.trusted_proxies or not _within(peer, self.trusted_proxies):
            return peer
        hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not _within(hop, self.trusted_proxies):
                return hop
        return peer


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(cidr, strict=False) for cidr in cidrs)


def _within(address: str, cidrs: tuple[str, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:  # a unix socket, or the test client's "testclient": never a trusted proxy
        return False
    return any(ip in network for network in _networks(cidrs))


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a bearer token is required")
    return token.strip()


async def _authenticate(connection: ASGIConnection[Any, Any, Any, Any], container: AsyncContainer) -> Principal:
    token = bearer_token(connection)
    if token.startswith(API_KEY_PREFIX):
        authenticate_key = await container.get(AuthenticateApiKey)
        return await authenticate_key(token, connection.headers.get(ACT_AS_HEADER))
    authenticate = await container.get(AuthenticateAccessToken)
    return await authenticate(token)


async def _throttle(
    connection: ASGIConnection[Any, Any, Any, Any],
    handler: BaseRouteHandler,
    container: AsyncContainer,
    principal: Principal | None,
) -> None:
    """Count the request against its principal, or its address when it has none; raise once over the limit."""
    policy = await container.get(AccessPolicy)
    opt = handler.opt.get(RATE_LIMIT, "default")
    if not policy.rate_limits or opt is None:
        return
    if opt == "auth":
        limit, key = policy.auth_limit, f"auth:{policy.client_address(connection)}"
    elif principal is not None:
        who = principal.api_key_id if principal.api_key_id and principal.user_id is None else principal.user_id
        limit, key = policy.default_limit, f"principal:{who}"
    else:
        limit, key = policy.default_limit, f"ip:{policy.client_address(connection)}"
    throttle = await container.get(Throttle)
    if (wait := await throttle.hit(limit, key)) is not None:
        raise RateLimited("rate limit exceeded", wait)


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    container: AsyncContainer = connection.state.dishka_container
    principal: Principal | None = None
    if isinstance(handler, HTTPRouteHandler) and handler.resolve_security():
        try:
            principal = await _authenticate(connection, container)
        except Unauthenticated:
            # A caller without a valid credential counts against its address: guessing tokens is rate limited too.
            await _throttle(connection, handler, container, None)
            raise
        connection.scope["user"] = principal
    await _throttle(connection, handler, container, principal)
