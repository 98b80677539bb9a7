"""Google's authorization server: authlib builds and parses the OAuth 2.0 messages, the shared httpx client
carries them (so one connection pool, and in tests one loopback-only transport, serve every outbound call).

Tokens and codes travel in request bodies only; no message here repeats a response body or an exception's text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.common.urls import url_decode
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.client import OAuth2Client

from assistme.core.integrations.entities import Grant, Tokens
from assistme.core.integrations.ports import GrantRevoked
from assistme.core.shared.errors import Unavailable

RETRY_PAUSE = 0.25


class _Messages(OAuth2Client):  # type: ignore[misc]
    """authlib's OAuth 2.0 client with its transport calls made on an ``httpx.AsyncClient``. One instance per
    exchange: authlib keeps the last token on the instance."""

    def __init__(self, http: httpx.AsyncClient, timeout: float, **kwargs: Any) -> None:
        super().__init__(None, code_challenge_method="S256", **kwargs)
        self._http = http
        self._timeout = timeout

    async def _post(self, url: str, body: str, auth: Any, headers: Any) -> httpx.Response:
        url, headers, body = auth.prepare("POST", url, dict(headers or {}), body)
        return await self._http.post(url, data=dict(url_decode(body)), headers=headers, timeout=self._timeout)

    async def _fetch_token(self, url: str, body: str = "", headers: Any = None, auth: Any = None, **_: Any) -> Any:
        return self.parse_response_token(await self._post(url, body, auth, headers))

    async def _refresh_token(
        self, url: str, refresh_token: Any = None, body: str = "", headers: Any = None, auth: Any = None, **_: Any
    ) -> Any:
        return self.parse_response_token(await self._post(url, body, auth, headers))

    async def _http_post(self, url: str, body: Any = None, auth: Any = None, headers: Any = None, **_: Any) -> Any:
        return await self._post(url, body or "", auth, headers)


class GoogleOAuth:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        auth_url: str,
        token_url: str,
        revoke_url: str,
        retries: int = 2,
        timeout: float = 10.0,
    ) -> None:
        self._http = http
        self._client = {"client_id": client_id, "client_secret": client_secret, "redirect_uri": redirect_uri}
        self._auth_url, self._token_url, self._revoke_url = auth_url, token_url, revoke_url
        self._retries = retries
        self._timeout = timeout

    def _messages(self) -> _Messages:
        return _Messages(self._http, self._timeout, **self._client)

    def consent_url(self, scopes: Sequence[str], state: str, verifier: str, **extra: str) -> str:
        url, _ = self._messages().create_authorization_url(
            self._auth_url, state=state, code_verifier=verifier, scope=" ".join(scopes), **extra
        )
        return str(url)

    def authorization_url(self, scopes: Sequence[str], state: str, verifier: str) -> str:
        return self.consent_url(
            scopes,
            state,
            verifier,
            access_type="offline",  # a refresh token...
            prompt="consent",  # ...which Google sends again on a reconnect only when asked for consent
            include_granted_scopes="true",
        )

    async def redeem(self, code: str, verifier: str) -> dict[str, Any]:
        """The token endpoint's answer to an authorization code, as it came (an ID token included)."""
        return await self._token_call(lambda m: m.fetch_token(self._token_url, code=code, code_verifier=verifier))

    async def exchange(self, code: str, verifier: str) -> Grant:
        return _grant(await self.redeem(code, verifier))

    async def refresh(self, refresh_token: str) -> Grant:
        return _grant(await self._token_call(lambda m: m.refresh_token(self._token_url, refresh_token=refresh_token)))

    async def revoke(self, token: str) -> bool:
        try:
            response = await self._messages().revoke_token(self._revoke_url, token=token)
        except httpx.HTTPError:
            return False
        return bool(response.is_success)

    async def _token_call(self, call: Any) -> dict[str, Any]:
        """The token endpoint, with 5xx and network failures retried a bounded number of times."""
        for attempt in range(self._retries + 1):
            try:
                return dict(await call(self._messages()))
            except OAuth2Error as exc:
                if exc.error == "invalid_grant":
                    raise GrantRevoked(str(exc.description or "the grant was refused")[:200]) from None
                raise Unavailable(f"google refused the token request ({exc.error})") from None
            except (httpx.HTTPError, ValueError):
                if attempt == self._retries:
                    break
                await asyncio.sleep(RETRY_PAUSE * 2**attempt)
        raise Unavailable("google's token endpoint is unavailable, try again later")


def _grant(token: dict[str, Any]) -> Grant:
    scope = token.get("scope")
    expires_at = token.get("expires_at")
    return Grant(
        tokens=Tokens(str(token["access_token"]), token.get("refresh_token")),
        expires_at=datetime.fromtimestamp(int(expires_at), UTC) if expires_at else None,
        scopes=tuple(str(scope).split()) if scope else None,
    )
