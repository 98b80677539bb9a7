"""Signing in with Google end to end: our login redirect, the fake Google's consent and ID token, our callback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import PASSWORD, Account, key_headers, make_key, signup
from tests.support.apps import running
from tests.support.fake_google import FakeGoogle
from tests.support.google import google_settings
from tests.support.http import loopback_client
from tests.support.scheduling import Offline, RecordingQueue
from tests.support.webhooks import subscribe

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


async def sign_in(client: Client, return_url: str | None = None) -> tuple[str, httpx.Response]:
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


def bearer(answer: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def test_a_return_url_off_the_allow_list_is_422(client: Client) -> None:
    assert (await client.get(LOGIN, params={"return_url": "https://evil.example/"})).status_code == 422


async def test_a_return_url_with_a_fragment_is_422_naming_it(client: Client) -> None:
    refused = await client.get(LOGIN, params={"return_url": APP + "#top"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "return_url"
    assert "set-cookie" not in refused.headers  # no sign-in was started


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


async def connect_gmail(client: Client, who: Account) -> str:
    """The registrant's own consent; answers the authorization URL of a second one, left unfinished."""
    urls = []
    for _ in range(2):
        started = await client.post("/api/v1/integrations/gmail/connect", json={"return_url": APP}, headers=who.headers)
        assert started.status_code == 200, started.text
        urls.append(started.json()["authorization_url"])
    assert (await client.get(await consent(urls[0]))).status_code == 302
    return urls[1]


async def test_a_takeover_by_email_severs_every_channel_of_the_registrant_and_keeps_the_data(
    client: Client, google: FakeGoogle
) -> None:
    owner_identity = dict(google.identity)
    squatter = await signup(client, email=owner_identity["email"])
    bot = key_headers(await make_key(client, await signup(client, role=Role.ADMIN), "users:read", "users:write"))
    await subscribe(client, squatter, "integration.connected")
    google.identity = {"sub": "3000003", "email": "squatter@example.com", "email_verified": True}
    unfinished = await connect_gmail(client, squatter)  # the registrant's own Google account
    code = (await client.post("/api/v1/users/me/telegram-link", headers=squatter.headers)).json()["code"]
    link = {"code": code, "chat_id": 555, "telegram_id": 555}
    assert (await client.post("/api/v1/telegram/link", json=link, headers=bot)).status_code == 204
    pending = (await client.post("/api/v1/users/me/telegram-link", headers=squatter.headers)).json()["code"]
    body = {"name": "Sec", "model": "m", "instructions": "hi"}
    assistant = (await client.post("/api/v1/assistants", json=body, headers=squatter.headers)).json()["id"]
    await client.post("/api/v1/conversations", json={"assistant_id": assistant}, headers=squatter.headers)
    job = {"name": "stand up", "type": "notification", "payload": {"message": "x"}, "cron_expression": "0 8 * * *"}
    assert (await client.post("/api/v1/cron-jobs", json=job, headers=squatter.headers)).status_code == 201

    google.identity = owner_identity
    _, answer = await sign_in(client)
    assert answer.status_code == 200, answer.text
    owner = bearer(answer)
    me = (await client.get("/api/v1/users/me", headers=owner)).json()
    assert (me["id"], me["telegram_id"], me["telegram_chat_id"]) == (squatter.id, None, None)
    for gone in ("/api/v1/webhooks", "/api/v1/integrations"):
        listed = (await client.get(gone, headers=owner)).json()
        assert (listed["total"] if isinstance(listed, dict) else len(listed)) == 0, gone
    assert (await client.get("/api/v1/users/by-telegram/555", headers=bot)).status_code == 404
    relink = {"code": pending, "chat_id": 666, "telegram_id": 666}
    assert (await client.post("/api/v1/telegram/link", json=relink, headers=bot)).status_code == 422
    google.identity = {"sub": "3000003", "email": "squatter@example.com", "email_verified": True}
    assert (await client.get(await consent(unfinished))).status_code == 400  # the consent under way died too
    assert (await client.get("/api/v1/integrations", headers=owner)).json() == []
    for kept in ("/api/v1/assistants", "/api/v1/conversations", "/api/v1/cron-jobs"):
        assert (await client.get(kept, headers=owner)).json()["total"] == 1, kept


async def test_an_account_linked_to_another_google_account_is_not_relinked_by_email(
    client: Client, google: FakeGoogle
) -> None:
    await signup(client, email=google.identity["email"])
    _, first = await sign_in(client)
    account = (await client.get("/api/v1/users/me", headers=bearer(first))).json()["id"]
    original = dict(google.identity)
    google.identity = {**original, "sub": "4000004"}  # another Google account, now holding the address
    _, refused = await sign_in(client)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    google.identity = original
    _, again = await sign_in(client)
    assert (await client.get("/api/v1/users/me", headers=bearer(again))).json()["id"] == account
