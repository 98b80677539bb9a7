"""Signing in with Google end to end: our login redirect, the fake Google's consent and ID token, our callback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from tests.support.accounts import PASSWORD, signup
from tests.support.apps import running
from tests.support.fake_google import FakeGoogle
from tests.support.google import google_settings
from tests.support.http import loopback_client
from tests.support.scheduling import Offline, RecordingQueue

Client = AsyncTestClient[Litestar]
LOGIN = "/api/v1/oauth/google/login"
APP = "https://app.example.com/signed-in"

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
async def client(settings: Settings, google: FakeGoogle) -> AsyncIterator[Client]:
    google.reset()
    configured = google_settings(settings, google, APP, google_retries=0)
    async with running(configured, Offline(RecordingQueue())) as client:
        client.follow_redirects = False  # the redirects go to Google and to the web app, not to us
        yield client


async def consent(location: str) -> str:
    """The browser at Google: the fake consents at once and sends it back with a code."""
    async with loopback_client() as browser:
        answer = await browser.get(location)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["location"]).removeprefix("http://127.0.0.1:8000")


async def sign_in(client: Client, return_url: str | None = None) -> tuple[str, object]:
    """Our login, Google's consent, our callback: the callback's path and its answer."""
    started = await client.get(LOGIN, params={"return_url": return_url} if return_url else None)
    assert started.status_code == 302, started.text
    callback = await consent(started.headers["location"])
    return callback, await client.get(callback)


async def test_the_login_redirect_carries_state_nonce_pkce_and_a_browser_cookie(client: Client) -> None:
    started = await client.get(LOGIN)
    query = {k: v[0] for k, v in parse_qs(urlsplit(started.headers["location"]).query).items()}
    assert query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "http://127.0.0.1:8000/api/v1/oauth/google/callback"
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32
    cookie = started.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/api/v1/oauth/google" in cookie


async def test_a_new_person_gets_an_account_and_a_token_pair(client: Client, google: FakeGoogle) -> None:
    _, answer = await sign_in(client)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    pair = answer.json()
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json()["email"] == google.identity["email"]
    _, again = await sign_in(client)
    me_again = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"})
    assert me_again.json()["id"] == me.json()["id"]


async def test_with_a_return_url_the_pair_travels_in_the_fragment(client: Client) -> None:
    _, answer = await sign_in(client, APP)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(APP + "#access_token=")
    fragment = parse_qs(urlsplit(location).fragment)
    assert fragment["token_type"] == ["bearer"]
    assert fragment["refresh_token"][0].startswith("rt_")


async def test_a_return_url_off_the_allow_list_is_422(client: Client) -> None:
    assert (await client.get(LOGIN, params={"return_url": "https://evil.example/"})).status_code == 422


async def test_a_callback_in_another_browser_or_replayed_signs_nobody_in(client: Client) -> None:
    started = await client.get(LOGIN)
    callback = await consent(started.headers["location"])
    client.cookies.clear()  # the attacker's browser: it has the link, not the cookie
    assert (await client.get(callback)).status_code == 400
    callback, answer = await sign_in(client)
    assert answer.status_code == 200
    assert (await client.get(callback)).status_code == 400  # spent


async def test_a_verified_google_email_takes_over_a_pre_registered_password_account(
    client: Client, google: FakeGoogle
) -> None:
    squatter = await signup(client, email=google.identity["email"])
    _, answer = await sign_in(client)
    assert answer.status_code == 200
    login = await client.post("/api/v1/auth/login", json={"email": squatter.email, "password": PASSWORD})
    assert login.status_code == 401  # the password set by whoever registered the address is gone
    assert (await client.get("/api/v1/users/me", headers=squatter.headers)).status_code == 401
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"})
    assert me.json()["id"] == squatter.id


async def test_an_unverified_google_email_does_not_link(client: Client, google: FakeGoogle) -> None:
    owner = await signup(client, email=google.identity["email"])
    google.identity = {**google.identity, "sub": "2000002", "email_verified": False}
    _, answer = await sign_in(client)
    assert answer.status_code == 200
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"})
    assert me.json()["id"] != owner.id
    assert (await client.get("/api/v1/users/me", headers=owner.headers)).status_code == 200
