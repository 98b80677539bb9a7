"""Signing up, in and out, and refreshing tokens."""

from __future__ import annotations

from typing import Any

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, URLEncodedBody

from assistme.api.access import SECURED, AccessPolicy
from assistme.api.identity.schemas import LoginIn, RefreshIn, RegisterIn, TokenPairOut, UserOut
from assistme.api.openapi import responses
from assistme.core.identity.entities import ClientInfo, TokenPair
from assistme.core.identity.login import Login, LoginAttempt
from assistme.core.identity.logout import Logout
from assistme.core.identity.principal import Principal
from assistme.core.identity.profile import CurrentUser
from assistme.core.identity.refresh import RefreshSession
from assistme.core.identity.register import RegisterUser, Registration

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
SIGN_IN = {"rate_limit": "auth"}


class TokenForm(msgspec.Struct, kw_only=True):
    username: str
    password: str
    grant_type: str | None = None
    scope: str | None = None


def client_info(request: Request[Any, Any, Any], policy: AccessPolicy) -> ClientInfo:
    return ClientInfo(user_agent=request.headers.get("user-agent"), ip=policy.client_address(request))


def tokens(pair: TokenPair) -> Response[TokenPairOut]:
    return Response(TokenPairOut.of(pair), headers=NO_STORE)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/register", status_code=201, summary="Create an account", opt=SIGN_IN, responses=responses(409, 422, 429))
    @inject
    async def register(self, data: JSONBody[RegisterIn], register: FromDishka[RegisterUser]) -> UserOut:
        return UserOut.of(await register(Registration(data.email, data.password, data.full_name)))

    @post(
        "/login",
        status_code=200,
        summary="Sign in with email and password",
        opt=SIGN_IN,
        responses=responses(401, 422, 429),
    )
    @inject
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginIn],
        login: FromDishka[Login],
        policy: FromDishka[AccessPolicy],
    ) -> Response[TokenPairOut]:
        return tokens(await login(LoginAttempt(data.email, data.password, client_info(request, policy))))

    @post(
        "/token",
        status_code=200,
        summary="Sign in with an OAuth2 password form (for the docs page)",
        opt=SIGN_IN,
        responses=responses(401, 422, 429),
    )
    @inject
    async def token(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[TokenForm],
        login: FromDishka[Login],
        policy: FromDishka[AccessPolicy],
    ) -> Response[TokenPairOut]:
        return tokens(await login(LoginAttempt(data.username, data.password, client_info(request, policy))))

    @post(
        "/refresh",
        status_code=200,
        summary="Trade a refresh token for a new pair",
        opt=SIGN_IN,
        responses=responses(401, 422, 429),
    )
    @inject
    async def refresh(self, data: JSONBody[RefreshIn], refresh: FromDishka[RefreshSession]) -> Response[TokenPairOut]:
        return tokens(await refresh(data.refresh_token))

    @post("/logout", status_code=204, summary="End this session", security=SECURED, responses=responses(401, 403))
    @inject
    async def logout(self, principal: FromDishka[Principal], logout: FromDishka[Logout]) -> None:
        await logout(principal)

    @get("/me", summary="The signed-in user", security=SECURED, responses=responses(401, 403))
    @inject
    async def me(self, principal: FromDishka[Principal], current: FromDishka[CurrentUser]) -> UserOut:
        return UserOut.of(await current(principal))
