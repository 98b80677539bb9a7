"""Access tokens: only an unexpired HS256 access JWT of ours, with every claim right, gets in."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from assistme.adapters.security.digests import derive_key
from assistme.config import Settings
from tests.support.accounts import Account, signup
from tests.support.apps import Client

Claims = dict[str, Any]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(account: Account) -> Claims:
    return dict(jwt.decode(account.access_token, options={"verify_signature": False}))


def without(name: str) -> Callable[[Claims], Claims]:
    return lambda claims: {k: v for k, v in claims.items() if k != name}


def changed(**values: Any) -> Callable[[Claims], Claims]:
    return lambda claims: {**claims, **values}


async def me(client: Client, token: str) -> int:
    response = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code


async def test_our_own_claims_signed_with_our_key_get_in(client: Client, settings: Settings) -> None:
    """The baseline for the forgeries below: each differs from this in one way only."""
    account = await signup(client)
    token = jwt.encode(claims_of(account), derive_key(settings.secret_key, "access-token"), algorithm="HS256")
    assert await me(client, token) == 200


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(changed(exp=int(time.time()) - 120, iat=int(time.time()) - 1200), id="expired"),
        pytest.param(changed(aud="someone-else"), id="wrong-audience"),
        pytest.param(changed(aud=["assistme-api", "someone-else"]), id="extra-audience"),
        pytest.param(changed(iss="https://evil.example"), id="wrong-issuer"),
        pytest.param(without("sid"), id="no-sid"),
        pytest.param(changed(sid="not-a-uuid"), id="bad-sid"),
        pytest.param(without("sub"), id="no-sub"),
        pytest.param(without("exp"), id="no-exp"),
        pytest.param(without("aud"), id="no-audience"),
        pytest.param(without("iss"), id="no-issuer"),
        pytest.param(without("typ"), id="no-typ"),
        pytest.param(changed(typ="refresh"), id="refresh-typ"),
    ],
)
async def test_a_token_wrong_in_one_claim_is_401(
    client: Client, settings: Settings, forge: Callable[[Claims], Claims]
) -> None:
    account = await signup(client)
    token = jwt.encode(forge(claims_of(account)), derive_key(settings.secret_key, "access-token"), algorithm="HS256")
    assert await me(client, token) == 401


async def test_an_unsigned_alg_none_token_is_401(client: Client) -> None:
    account = await signup(client)
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims_of(account))}."
    assert await me(client, token) == 401


async def test_a_token_signed_with_another_key_is_401(client: Client) -> None:
    account = await signup(client)
    assert await me(client, jwt.encode(claims_of(account), b"k" * 32, algorithm="HS256")) == 401


async def test_a_token_with_another_algorithm_is_401_even_with_our_key(client: Client, settings: Settings) -> None:
    account = await signup(client)
    signing_input = f"{_b64({'alg': 'HS512', 'typ': 'JWT'})}.{_b64(claims_of(account))}"
    key = derive_key(settings.secret_key, "access-token")  # PyJWT would warn it is short for HS512: sign by hand
    signature = hmac.new(key, signing_input.encode(), hashlib.sha512).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert await me(client, token) == 401


async def test_a_token_signed_with_the_raw_secret_is_401(client: Client, settings: Settings) -> None:
    account = await signup(client)
    assert await me(client, jwt.encode(claims_of(account), settings.secret_key, algorithm="HS256")) == 401


async def test_a_token_that_got_in_is_refused_once_it_expires(client: Client, settings: Settings) -> None:
    """Verified tokens are remembered; the memory must not outlive the token."""
    account = await signup(client)
    token = jwt.encode(
        {**claims_of(account), "exp": int(time.time()) + 2}, derive_key(settings.secret_key, "access-token")
    )
    assert await me(client, token) == 200
    assert await me(client, token) == 200
    await asyncio.sleep(max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"] - time.time()) + 0.05)
    assert await me(client, token) == 401


async def test_a_refresh_token_is_not_a_bearer_credential(client: Client) -> None:
    account = await signup(client)
    assert await me(client, account.refresh_token) == 401


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "ak_not-a-key", "x" * 5000])
async def test_garbage_is_401(client: Client, token: str) -> None:
    assert await me(client, token) == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_a_missing_or_other_scheme_is_401(client: Client, header: str) -> None:
    response = await client.get("/api/v1/users/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_user_and_session_ids_are_uuid_v7(client: Client) -> None:
    claims = claims_of(await signup(client))
    assert uuid.UUID(claims["sub"]).version == 7
    assert uuid.UUID(claims["sid"]).version == 7
