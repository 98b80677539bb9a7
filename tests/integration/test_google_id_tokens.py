"""The ID token checks of Google sign-in, one forgery at a time: the real adapter (authlib for the exchange, PyJWT
for the token) against a token endpoint and a key set answered in Google's wire format."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from assistme.adapters.google.oauth import GoogleOAuth
from assistme.adapters.google.sign_in import GoogleOpenId
from assistme.core.shared.errors import Unauthenticated, Unavailable

CLIENT = "client-1.apps.googleusercontent.com"
ISSUER = "https://accounts.google.com"
NONCE = "nonce-1"
GOOGLE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROGUE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(GOOGLE_KEY.public_key()))
    return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


def id_token(key: Any = GOOGLE_KEY, kid: str = "k1", algorithm: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": CLIENT, "sub": "1001", "email": "ann@example.com", "email_verified": True}
    body |= {"iat": now, "exp": now + 3600, "nonce": NONCE, "name": "Ann"} | claims
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=algorithm, headers={"kid": kid})


class Google:
    """Answers the token endpoint with ``token`` and the key set with ``jwks()``; counts key fetches."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.key_fetches = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            form = dict(httpx.QueryParams(request.content.decode()))
            assert form["grant_type"] == "authorization_code"
            assert form["code_verifier"] == "verifier-1"
            body = {"access_token": "ya29.a", "expires_in": 3599, "token_type": "Bearer", "id_token": self.token}
            return httpx.Response(200, json=body | {"scope": "openid email profile"})
        if request.url.path == "/certs":
            self.key_fetches += 1
            return httpx.Response(200, json=jwks())
        return httpx.Response(404)


def openid(google: Callable[[httpx.Request], httpx.Response]) -> GoogleOpenId:
    http = httpx.AsyncClient(transport=httpx.MockTransport(google))
    oauth = GoogleOAuth(
        http,
        client_id=CLIENT,
        client_secret="secret",
        redirect_uri="http://127.0.0.1:8000/api/v1/oauth/google/callback",
        auth_url="http://google.test/auth",
        token_url="http://google.test/token",
        revoke_url="http://google.test/revoke",
        retries=0,
    )
    return GoogleOpenId(oauth, http, client_id=CLIENT, jwks_url="http://google.test/certs", issuers=[ISSUER])


async def test_a_genuine_token_names_the_person() -> None:
    identity = await openid(Google(id_token())).identify("code", "verifier-1", NONCE)
    assert (identity.subject, identity.email, identity.email_verified, identity.name) == (
        "1001",
        "ann@example.com",
        True,
        "Ann",
    )


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: id_token(key=ROGUE_KEY), id="signed-by-another-key"),
        pytest.param(lambda: id_token(aud="someone-elses-client"), id="another-audience"),
        pytest.param(lambda: id_token(iss="https://evil.example"), id="another-issuer"),
        pytest.param(lambda: id_token(exp=int(time.time()) - 3600), id="expired"),
        pytest.param(lambda: id_token(nonce="replayed-from-another-sign-in"), id="another-nonce"),
        pytest.param(lambda: id_token(nonce=None), id="no-nonce"),
        pytest.param(lambda: id_token(kid="unknown"), id="unknown-key-id"),
        pytest.param(lambda: id_token(key="shared-secret-" * 3, algorithm="HS256"), id="symmetric-algorithm"),
        pytest.param(lambda: jwt.encode({"sub": "1001"}, None, algorithm="none"), id="unsigned"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
    ],
)
async def test_a_forged_or_foreign_token_signs_nobody_in(token: Callable[[], str]) -> None:
    with pytest.raises(Unauthenticated):
        await openid(Google(token())).identify("code", "verifier-1", NONCE)


async def test_unknown_key_ids_do_not_refetch_the_key_set_on_every_request() -> None:
    google = Google(id_token(kid="unknown"))
    adapter = openid(google)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await adapter.identify("code", "verifier-1", NONCE)
    assert google.key_fetches == 1


async def test_a_refused_code_is_401_and_an_unreachable_google_503() -> None:
    def refuses(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Bad Request"})

    with pytest.raises(Unauthenticated):
        await openid(refuses).identify("code", "verifier-1", NONCE)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(Unavailable):
        await openid(down).identify("code", "verifier-1", NONCE)
