"""Connecting Google through the consent round trip, running actions, refresh, dead grants and disconnecting,
against a fake Google on 127.0.0.1 (authlib and the real adapters speak to it)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from assistme.adapters.persistence.engine import make_engine
from assistme.config import Settings
from assistme.core.identity.principal import Principal
from assistme.core.integrations.actions import ExecuteAction
from assistme.core.integrations.ports import ConnectionRepository
from assistme.ioc import make_container
from tests.support.accounts import Account, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.fake_google import FakeGoogle
from tests.support.google import google_settings
from tests.support.http import loopback_client
from tests.support.scheduling import Offline, RecordingQueue
from tests.support.webhooks import emitted, subscribe

Client = AsyncTestClient[Litestar]
RETURN = "https://app.example.com/settings"
READONLY = "https://www.googleapis.com/auth/gmail.readonly"
SEND = "https://www.googleapis.com/auth/gmail.send"
EVENTS = "https://www.googleapis.com/auth/calendar.events"

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class World:
    client: Client
    google: FakeGoogle
    clock: MovableClock
    settings: Settings
    ann: Account
    bob: Account

    async def connect(self, who: Account, provider: str = "gmail") -> dict[str, Any]:
        """The whole round trip, the browser's part played by following the fake's redirect by hand."""
        started = await self.client.post(
            f"/api/v1/integrations/{provider}/connect", json={"return_url": RETURN}, headers=who.headers
        )
        assert started.status_code == 200, started.text
        callback = await self.consent(started.json()["authorization_url"])
        back = await self.client.get(callback)
        assert back.status_code == 302, back.text
        assert back.headers["location"] == f"{RETURN}?status=connected&provider={provider}"
        [connection] = [c for c in await self.connections(who) if c["provider"] == provider]
        return connection

    async def consent(self, authorization_url: str) -> str:
        async with loopback_client() as browser:
            answer = await browser.get(authorization_url)
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        return location.removeprefix(self.settings.public_url)

    async def connections(self, who: Account) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/integrations", headers=who.headers)
        assert response.status_code == 200
        return list(response.json())

    async def execute(self, who: Account, connection_id: str, action: str, **params: Any) -> Any:
        return await self.client.post(
            f"/api/v1/integrations/{connection_id}/execute",
            json={"action": action, "params": params},
            headers=who.headers,
        )

    async def sealed(self, connection_id: str) -> str | None:
        """The stored ciphertext, read through a container of its own (the app's belongs to the client's loop)."""
        root = make_container(self.settings)
        try:
            async with root() as scope:
                connection = await (await scope.get(ConnectionRepository)).get(uuid.UUID(connection_id))
        finally:
            await root.close()
        assert connection is not None
        return connection.sealed


@pytest.fixture
async def world(settings: Settings, google: FakeGoogle) -> AsyncIterator[World]:
    google.reset()
    configured = google_settings(settings, google, RETURN)
    clock = MovableClock()
    async with running(configured, clock_provider(clock), Offline(RecordingQueue())) as client:
        client.follow_redirects = False  # the callback's redirect goes to the web app, not to us
        ann, bob = await signup(client), await signup(client)
        yield World(client, google, clock, configured, ann, bob)


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def test_the_catalog_lists_both_providers_with_their_actions(world: World) -> None:
    response = await world.client.get("/api/v1/integrations/available", headers=world.ann.headers)
    assert response.status_code == 200
    providers = {p["name"]: p for p in response.json()}
    assert set(providers) == {"gmail", "google_calendar"}
    gmail = {a["name"]: a for a in providers["gmail"]["actions"]}
    assert set(gmail) >= {"list_emails", "get_email", "get_thread", "search_emails", "unread_count"}
    assert gmail["send_email"]["scopes"] == [SEND]
    assert gmail["send_email"]["writes"] is True
    assert gmail["list_emails"]["params"]["type"] == "object"


async def test_the_authorization_url_carries_state_pkce_offline_access_and_consent(world: World) -> None:
    started = await world.client.post(
        "/api/v1/integrations/google_calendar/connect", json={"return_url": RETURN}, headers=world.ann.headers
    )
    url = started.json()["authorization_url"]
    assert url.startswith(world.settings.google_auth_url + "?")
    params = query(url)
    assert params["client_id"] == world.google.client_id
    assert params["redirect_uri"] == "http://127.0.0.1:8000/api/v1/integrations/callback"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["access_type"] == "offline"
    assert params["prompt"] == "consent"
    assert params["scope"] == EVENTS
    assert len(params["state"]) >= 32


async def test_a_full_consent_stores_the_connection_and_never_shows_a_token(world: World) -> None:
    connection = await world.connect(world.ann)
    assert connection["status"] == "active"
    assert connection["provider"] == "gmail"
    assert READONLY in connection["scopes"]
    assert connection["last_error"] is None
    listing = (await world.client.get("/api/v1/integrations", headers=world.ann.headers)).text
    sealed = await world.sealed(connection["id"])
    for token in world.google.issued_tokens():
        assert token not in listing
        assert token not in (sealed or "")
    assert await world.connections(world.bob) == []


async def test_a_state_is_single_use_and_unknown_or_missing_states_store_nothing(world: World) -> None:
    started = await world.client.post(
        "/api/v1/integrations/gmail/connect", json={"return_url": RETURN}, headers=world.ann.headers
    )
    callback = await world.consent(started.json()["authorization_url"])
    assert (await world.client.get(callback)).status_code == 302
    replay = await world.client.get(callback)
    assert replay.status_code == 400
    assert replay.headers["content-type"].startswith("application/problem+json")
    code = query(callback)["code"]
    for bad in (f"?code={code}", f"?code={code}&state=forged", "?state=&code=x"):
        assert (await world.client.get(f"/api/v1/integrations/callback{bad}")).status_code == 400
    assert len(await world.connections(world.ann)) == 1


async def test_an_expired_state_is_refused(world: World) -> None:
    started = await world.client.post(
        "/api/v1/integrations/gmail/connect", json={"return_url": RETURN}, headers=world.ann.headers
    )
    callback = await world.consent(started.json()["authorization_url"])
    world.clock.advance(15 * 60 + 1)
    assert (await world.client.get(callback)).status_code == 400
    assert await world.connections(world.ann) == []


async def test_a_denied_consent_returns_an_error_reason(world: World) -> None:
    world.google.deny_next()
    started = await world.client.post(
        "/api/v1/integrations/gmail/connect", json={"return_url": RETURN}, headers=world.ann.headers
    )
    back = await world.client.get(await world.consent(started.json()["authorization_url"]))
    assert back.status_code == 302
    assert query(back.headers["location"]) == {"status": "error", "reason": "access_denied", "provider": "gmail"}
    assert await world.connections(world.ann) == []


@pytest.mark.parametrize(
    "return_url",
    [
        "//evil.example/settings",
        "javascript:alert(1)",
        "https://app.example.com.evil.net/settings",
        "https://app.example.com@evil.net/settings",
        "https://app.example.com/settings/../admin",
        "https://app.example.com/other",
    ],
)
async def test_return_urls_off_the_allow_list_are_422(world: World, return_url: str) -> None:
    response = await world.client.post(
        "/api/v1/integrations/gmail/connect", json={"return_url": return_url}, headers=world.ann.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "return_url"


async def test_an_unknown_provider_is_404(world: World) -> None:
    response = await world.client.post(
        "/api/v1/integrations/myspace/connect", json={"return_url": RETURN}, headers=world.ann.headers
    )
    assert response.status_code == 404


async def test_actions_run_with_normalised_answers_and_bad_input_is_422(world: World) -> None:
    world.google.add_message("Ann <ann@example.com>", "me@example.com", "Lunch?", "At noon", date=datetime.now(UTC))
    connection = await world.connect(world.ann)
    listed = await world.execute(world.ann, connection["id"], "list_emails", max_results=5)
    assert listed.status_code == 200, listed.text
    [email] = listed.json()["result"]["emails"]
    assert email["subject"] == "Lunch?"
    assert email["sender"] == "Ann <ann@example.com>"
    assert email["unread"] is True
    unknown = await world.execute(world.ann, connection["id"], "format_disk")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "action"
    bad = await world.execute(world.ann, connection["id"], "list_emails", max_results=1000)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "params.max_results"


async def test_an_action_needing_an_ungranted_scope_is_403_naming_it(world: World) -> None:
    world.google.grant_scopes = [READONLY]
    connection = await world.connect(world.ann)
    sent = await world.execute(world.ann, connection["id"], "send_email", to=["x@example.com"], subject="s", body="b")
    assert sent.status_code == 403
    assert sent.json()["missing_scopes"] == [SEND]
    assert sent.json()["reconnect_url"] == "/api/v1/integrations/gmail/connect"
    assert world.google.sent == []


async def test_an_expiring_token_is_refreshed_once_for_concurrent_actions(world: World) -> None:
    world.google.expires_in = 120  # inside the five-minute margin, and so is every refreshed token
    connection = await world.connect(world.ann)
    world.google.token_delay = 0.3
    # The test client serves one request at a time: five workers of a container of their own overlap for real,
    # on the same database and (served) the same Redis lock as the app.
    root = make_container(world.settings, Offline(RecordingQueue()))

    async def unread() -> Any:
        async with root() as scope:
            execute = await scope.get(ExecuteAction)
            return await execute(Principal(uuid.UUID(world.ann.id)), uuid.UUID(connection["id"]), "unread_count", {})

    try:
        answers = await asyncio.gather(*(unread() for _ in range(5)))
    finally:
        await root.close()
    assert len({str(a) for a in answers}) == 1
    assert world.google.refreshes == 1
    [after] = await world.connections(world.ann)
    assert after["last_refreshed_at"] != connection["last_refreshed_at"]


async def test_a_rotated_refresh_token_replaces_the_old_one(world: World) -> None:
    world.google.expires_in = 60
    world.google.rotate_refresh_tokens = True
    connection = await world.connect(world.ann)
    assert (await world.execute(world.ann, connection["id"], "unread_count")).status_code == 200
    assert (await world.execute(world.ann, connection["id"], "unread_count")).status_code == 200
    assert world.google.refreshes == 2  # the second used the refresh token the first received


async def test_a_dead_grant_marks_needs_reauth_and_answers_409(world: World) -> None:
    world.google.expires_in = 60
    hook = await subscribe(world.client, world.ann, "integration.connected", "integration.needs_reauth")
    connection = await world.connect(world.ann)
    world.google.revoke_grants()
    dead = await world.execute(world.ann, connection["id"], "unread_count")
    assert dead.status_code == 409
    assert dead.json()["reconnect_url"] == "/api/v1/integrations/gmail/connect"
    [after] = await world.connections(world.ann)
    assert after["status"] == "needs_reauth"
    assert after["last_error"].startswith("invalid_grant")
    assert await world.sealed(connection["id"]) is None  # no dead tokens kept
    again = await world.execute(world.ann, connection["id"], "unread_count")
    assert again.status_code == 409
    assert world.google.refreshes == 1
    assert (await world.connect(world.ann))["status"] == "active"  # reconnecting heals it
    assert await emitted(world.client, world.ann, hook) == [
        "integration.connected",
        "integration.needs_reauth",
        "integration.connected",
    ]


async def test_google_failing_is_retried_then_503(world: World) -> None:
    connection = await world.connect(world.ann)
    world.google.fail_api_next(1, 503)
    assert (await world.execute(world.ann, connection["id"], "unread_count")).status_code == 200
    world.google.fail_api_next(5, 503)
    failed = await world.execute(world.ann, connection["id"], "unread_count")
    assert failed.status_code == 503
    assert "retry-after" in failed.headers


async def test_another_users_connection_is_404_for_every_verb(world: World) -> None:
    connection = await world.connect(world.ann)
    assert (await world.execute(world.bob, connection["id"], "unread_count")).status_code == 404
    deleted = await world.client.delete(f"/api/v1/integrations/{connection['id']}", headers=world.bob.headers)
    assert deleted.status_code == 404
    assert (await world.client.delete("/api/v1/integrations/not-an-id", headers=world.bob.headers)).status_code == 404
    assert len(await world.connections(world.ann)) == 1


async def test_disconnect_revokes_at_google_and_deletes(world: World) -> None:
    connection = await world.connect(world.ann)
    response = await world.client.delete(f"/api/v1/integrations/{connection['id']}", headers=world.ann.headers)
    assert response.status_code == 204
    assert len(world.google.revoked) == 1
    assert await world.connections(world.ann) == []
    assert (await world.execute(world.ann, connection["id"], "unread_count")).status_code == 404


async def test_disconnecting_one_of_two_google_connections_leaves_their_shared_grant_alive(world: World) -> None:
    gmail = await world.connect(world.ann)
    calendar = await world.connect(world.ann, "google_calendar")  # include_granted_scopes: the same grant
    response = await world.client.delete(f"/api/v1/integrations/{gmail['id']}", headers=world.ann.headers)
    assert response.status_code == 204
    assert world.google.revoked == []
    assert (await world.execute(world.ann, calendar["id"], "list_events")).status_code == 200
    response = await world.client.delete(f"/api/v1/integrations/{calendar['id']}", headers=world.ann.headers)
    assert response.status_code == 204
    assert len(world.google.revoked) == 1  # the last one ends the grant
    assert await world.connections(world.ann) == []


async def test_a_ciphertext_copied_to_another_row_does_not_open(world: World) -> None:
    mine = await world.connect(world.ann)
    theirs = await world.connect(world.bob)
    engine = make_engine(world.settings.database_url)
    try:
        async with engine.begin() as conn:  # a database-level attacker, or a bad restore
            await conn.execute(
                text("UPDATE integration_connections SET sealed = :s"), {"s": await world.sealed(mine["id"])}
            )
    finally:
        await engine.dispose()
    assert (await world.execute(world.ann, mine["id"], "unread_count")).status_code == 200
    copied = await world.execute(world.bob, theirs["id"], "unread_count")
    assert copied.status_code == 503


async def test_no_token_reaches_the_log(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world.google.expires_in = 60
    connection = await world.connect(world.ann)
    await world.execute(world.ann, connection["id"], "unread_count")
    world.google.revoke_grants()
    await world.execute(world.ann, connection["id"], "unread_count")
    logged = caplog.text
    for token in world.google.issued_tokens():
        assert token not in logged
    assert world.google.client_secret not in logged


async def test_a_failing_token_endpoint_is_retried_then_503_and_the_connection_survives(world: World) -> None:
    world.google.expires_in = 60
    connection = await world.connect(world.ann)
    world.google.fail_token_next(1, 503)
    assert (await world.execute(world.ann, connection["id"], "unread_count")).status_code == 200
    world.google.fail_token_next(5, 503)
    failed = await world.execute(world.ann, connection["id"], "unread_count")
    assert failed.status_code == 503
    [after] = await world.connections(world.ann)
    assert after["status"] == "active"
    assert await world.sealed(connection["id"]) is not None


async def test_connecting_and_running_actions_are_rate_limited_per_person(
    settings: Settings, google: FakeGoogle
) -> None:
    google.reset()
    tight = google_settings(settings, google, RETURN, connect_rate_limit="2/minute", execute_rate_limit="3/minute")
    async with running(tight, clock_provider(MovableClock()), Offline(RecordingQueue())) as client:
        client.follow_redirects = False
        world = World(client, google, MovableClock(), tight, await signup(client), await signup(client))
        connection = await world.connect(world.ann)
        started = [
            await client.post("/api/v1/integrations/gmail/connect", json={"return_url": RETURN}, headers=h)
            for h in (world.ann.headers, world.ann.headers)
        ]
        assert [s.status_code for s in started] == [200, 429]
        assert int(started[1].headers["retry-after"]) >= 1
        runs = [(await world.execute(world.ann, connection["id"], "unread_count")).status_code for _ in range(4)]
        assert runs == [200, 200, 200, 429]
        assert len(google.api_requests) == 3  # the refused one never reached Google
        other = await client.post(
            "/api/v1/integrations/gmail/connect", json={"return_url": RETURN}, headers=world.bob.headers
        )
        assert other.status_code == 200  # each person has their own allowance
