"""Google sign-in: OpenID Connect over the OAuth client, with the ID token verified by PyJWT against Google's
published keys (fetched through the shared httpx client and cached; refetched when an unknown key id appears)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Sequence
from typing import Any

import httpx
import jwt

from assistme.adapters.google.oauth import GoogleOAuth
from assistme.core.identity.entities import ExternalIdentity
from assistme.core.integrations.ports import GrantRevoked
from assistme.core.shared.errors import Unauthenticated, Unavailable

SCOPES = ("openid", "email", "profile")
KEYS_TTL = 3600.0  # Google rotates its keys over days and says so in Cache-Control; an hour is well inside that
REFETCH_PAUSE = 60.0  # an unknown key id refetches at most this often, so forged kids cannot hammer Google
LEEWAY = 60  # seconds of clock skew tolerated on exp and iat


class GoogleOpenId:
    def __init__(
        self,
        oauth: GoogleOAuth,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        jwks_url: str,
        issuers: Sequence[str],
        timeout: float = 10.0,
    ) -> None:
        self._oauth = oauth
        self._http = http
        self._client_id = client_id
        self._jwks_url = jwks_url
        self._issuers = list(issuers)
        self._timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched = float("-inf")

    def login_url(self, state: str, nonce: str, verifier: str) -> str:
        if not self._client_id:
            raise Unavailable("Google sign-in is not configured on this server (ASSISTME_GOOGLE_CLIENT_ID)", 3600)
        return self._oauth.consent_url(SCOPES, state, verifier, nonce=nonce, prompt="select_account")

    async def identify(self, code: str, verifier: str, nonce: str) -> ExternalIdentity:
        try:
            answer = await self._oauth.redeem(code, verifier)
        except GrantRevoked:
            raise Unauthenticated("Google refused this sign-in code") from None
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise Unauthenticated("Google sent no ID token")
        claims = await self._verify(id_token)
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise Unauthenticated("the ID token was not issued for this sign-in")
        email = claims.get("email")
        return ExternalIdentity(
            subject=str(claims["sub"]),
            email=str(email) if email else None,
            email_verified=claims.get("email_verified") is True,
            name=str(claims["name"])[:200] if claims.get("name") else None,
        )

    async def _verify(self, id_token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = await self._key(str(kid))
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key.key,
                algorithms=["RS256"],
                audience=self._client_id,
                issuer=self._issuers,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            raise Unauthenticated("Google's ID token did not verify") from None
        return claims

    async def _key(self, kid: str) -> jwt.PyJWK:
        age = time.monotonic() - self._fetched
        if age > KEYS_TTL or (kid not in self._keys and age > REFETCH_PAUSE):
            await self._fetch()
        if kid not in self._keys:
            raise Unauthenticated("Google's ID token is signed with an unknown key")
        return self._keys[kid]

    async def _fetch(self) -> None:
        try:
            response = await self._http.get(self._jwks_url, timeout=self._timeout)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            raise Unavailable("Google's signing keys could not be fetched") from None
        fetched = {}
        for jwk in keys:
            try:
                fetched[str(jwk["kid"])] = jwt.PyJWK(jwk)
            except (jwt.PyJWTError, KeyError, TypeError):
                continue  # a key of a kind we do not use
        self._keys, self._fetched = fetched, time.monotonic()
