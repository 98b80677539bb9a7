"""Signing in with Google: /oauth/google/login and its callback."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get
from litestar.datastructures import Cookie
from litestar.params import QueryParameter
from litestar.response import Redirect

from assistme.api.access import AccessPolicy
from assistme.api.identity.auth import NO_STORE, SIGN_IN, client_info
from assistme.api.identity.schemas import TokenPairOut
from assistme.api.openapi import responses
from assistme.config import Settings
from assistme.core.identity.google_sign_in import SIGN_IN_TTL, CompleteGoogleSignIn, StartGoogleSignIn

COOKIE = "assistme_google_sign_in"
PATH = "/api/v1/oauth/google"
Param = Annotated[str | None, QueryParameter(max_length=2048)]
StateParam = Annotated[str | None, QueryParameter(name="state", max_length=2048)]  # `state` is Litestar's own


def _cookie(settings: Settings, value: str, max_age: int) -> Cookie:
    # Lax: the browser sends it on Google's top-level redirect back to us, never on a cross-site subrequest.
    return Cookie(
        key=COOKIE,
        value=value,
        path=PATH,
        max_age=max_age,
        httponly=True,
        secure=settings.public_url.startswith("https://"),
        samesite="lax",
    )


class GoogleSignInController(Controller):
    path = PATH
    tags = ["auth"]

    @get(
        "/login",
        status_code=302,
        summary="Sign in with Google: a redirect to Google's consent page",
        description="State bound to a cookie (against login CSRF), nonce and PKCE. `return_url` must be allow-listed.",
        opt=SIGN_IN,
        responses=responses(422, 429),
    )
    @inject
    async def login(
        self, start: FromDishka[StartGoogleSignIn], settings: FromDishka[Settings], return_url: Param = None
    ) -> Redirect:
        started = await start(return_url)
        max_age = int(SIGN_IN_TTL.total_seconds())
        return Redirect(started.url, status_code=302, cookies=[_cookie(settings, started.browser_secret, max_age)])

    @get(
        "/callback",
        summary="Where Google sends the browser back: the token pair, or a redirect with it in the fragment",
        opt=SIGN_IN,
        responses=responses(400, 401, 429, 503),
    )
    @inject
    async def callback(
        self,
        *,
        request: Request[Any, Any, Any],
        complete: FromDishka[CompleteGoogleSignIn],
        policy: FromDishka[AccessPolicy],
        settings: FromDishka[Settings],
        state_: StateParam = None,
        code: Param = None,
        error: Param = None,
    ) -> Response[Any]:
        browser = request.cookies.get(COOKIE)
        signed_in = await complete(state_, code, error, browser, client_info(request, policy))
        spent = [_cookie(settings, "", 0)]
        pair = TokenPairOut.of(signed_in.pair)
        if signed_in.return_url is None:
            return Response(pair, headers=NO_STORE, cookies=spent)
        # The fragment never reaches a server: not ours in logs, not the return address's.
        fragment = urlencode(
            {
                "access_token": pair.access_token,
                "refresh_token": pair.refresh_token,
                "token_type": pair.token_type,
                "expires_in": pair.expires_in,
            }
        )
        return Redirect(f"{signed_in.return_url}#{fragment}", status_code=302, headers=NO_STORE, cookies=spent)
