"""The calendar routes over a Google Calendar connection, credentials imported by a service client, and key
rotation with `assistme keys rotate`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.cli import main
from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import Account, key_headers, make_key, signup
from tests.support.apps import running
from tests.support.fake_google import FakeGoogle
from tests.support.google import google_settings
from tests.support.scheduling import Offline, RecordingQueue

Client = AsyncTestClient[Litestar]
EVENTS = "https://www.googleapis.com/auth/calendar.events"
READONLY = "https://www.googleapis.com/auth/calendar.readonly"
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class World:
    client: Client
    google: FakeGoogle
    settings: Settings
    ann: Account
    bob: Account
    bot: dict[str, str]  # an API key with users:read and users:write

    async def import_for(self, who: Account, **overrides: object) -> dict[str, object]:
        access, refresh = self.google.issue_tokens([EVENTS])
        body = {"access_token": access, "refresh_token": refresh, "scopes": [EVENTS]} | overrides
        body.setdefault("expires_at", (datetime.now(UTC) + timedelta(hours=1)).isoformat())
        response = await self.client.put(f"/api/v1/calendar/{who.id}", json=body, headers=self.bot)
        assert response.status_code == 200, response.text
        return dict(response.json())


def keyed(settings: Settings, google: FakeGoogle, *keys: str) -> Settings:
    return google_settings(settings, google, encryption_keys=list(keys))


@pytest.fixture
async def world(settings: Settings, google: FakeGoogle) -> AsyncIterator[World]:
    google.reset()
    configured = keyed(settings, google, OLD_KEY)
    async with running(configured, Offline(RecordingQueue())) as client:
        root = await signup(client, role=Role.ADMIN)
        bot = key_headers(await make_key(client, root, "users:read", "users:write"))
        yield World(client, google, configured, await signup(client), await signup(client), bot)


async def test_imported_credentials_answer_metadata_only(world: World) -> None:
    stored = await world.import_for(world.ann)
    assert stored["provider"] == "google_calendar"
    assert stored["status"] == "active"
    shown = await world.client.get(f"/api/v1/calendar/{world.ann.id}", headers=world.bot)
    assert shown.status_code == 200
    for token in world.google.issued_tokens():
        assert token not in shown.text
    assert [
        c["provider"] for c in (await world.client.get("/api/v1/integrations", headers=world.ann.headers)).json()
    ] == ["google_calendar"]


async def test_only_admins_and_keys_import_and_unknown_users_are_404(world: World) -> None:
    body = {"access_token": "x", "scopes": [EVENTS]}
    mine = await world.client.put(f"/api/v1/calendar/{world.ann.id}", json=body, headers=world.ann.headers)
    assert mine.status_code == 403
    nobody = "0192f000-0000-7000-8000-000000000000"
    assert (await world.client.put(f"/api/v1/calendar/{nobody}", json=body, headers=world.bot)).status_code == 404
    assert (await world.client.get(f"/api/v1/calendar/{world.bob.id}", headers=world.bot)).status_code == 404
    naive = body | {"expires_at": "2026-11-22T10:00:00"}
    assert (
        await world.client.put(f"/api/v1/calendar/{world.ann.id}", json=naive, headers=world.bot)
    ).status_code == 422
    await world.import_for(world.ann)
    assert (await world.client.delete(f"/api/v1/calendar/{world.ann.id}", headers=world.bot)).status_code == 204
    assert (await world.client.get(f"/api/v1/calendar/{world.ann.id}", headers=world.bot)).status_code == 404


async def test_the_calendar_routes_read_and_write_the_callers_events(world: World) -> None:
    await world.import_for(world.ann)
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    world.google.add_event("Standup", soon, soon + timedelta(minutes=15), attendees=["bob@example.com"])
    world.google.add_event("Next month", soon + timedelta(days=40), soon + timedelta(days=40, hours=1))
    window = {"from": soon.isoformat(), "to": (soon + timedelta(days=1)).isoformat()}
    listed = await world.client.get("/api/v1/calendar/events", params=window, headers=world.ann.headers)
    assert listed.status_code == 200, listed.text
    [event] = listed.json()["events"]
    assert event["title"] == "Standup"
    assert [a["email"] for a in event["attendees"]] == ["bob@example.com"]

    start = soon + timedelta(days=1)
    body = {"title": "Dentist", "start": start.isoformat(), "end": (start + timedelta(minutes=30)).isoformat()}
    created = await world.client.post("/api/v1/calendar/events", json=body, headers=world.ann.headers)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    moved = await world.client.patch(
        f"/api/v1/calendar/events/{event_id}", json={"title": "Dentist (moved)"}, headers=world.ann.headers
    )
    assert moved.status_code == 200
    assert world.google.events[event_id]["summary"] == "Dentist (moved)"
    assert (
        await world.client.delete(f"/api/v1/calendar/events/{event_id}", headers=world.ann.headers)
    ).status_code == 204
    gone = await world.client.delete(f"/api/v1/calendar/events/{event_id}", headers=world.ann.headers)
    assert gone.status_code == 404


async def test_calendar_input_is_checked_and_a_person_without_a_connection_is_told(world: World) -> None:
    none = await world.client.get("/api/v1/calendar/events", headers=world.bob.headers)
    assert none.status_code == 404
    assert "connect" in none.json()["detail"]
    await world.import_for(world.ann)
    bad = await world.client.post(
        "/api/v1/calendar/events", json={"title": "x", "colour": "red"}, headers=world.ann.headers
    )
    assert bad.status_code == 422
    assert {e["field"]: e["message"] for e in bad.json()["errors"]} == {
        "colour": "this field cannot be set here",
        "start": "this field is required",
        "end": "this field is required",
    }
    assert (await world.client.get("/api/v1/calendar/events?limit=1000", headers=world.ann.headers)).status_code == 422


@pytest.mark.parametrize(("limit", "status"), [(0, 422), (1, 200), (100, 200), (101, 422)])
async def test_the_events_limit_follows_the_list_convention(world: World, limit: int, status: int) -> None:
    await world.import_for(world.ann)
    listed = await world.client.get(f"/api/v1/calendar/events?limit={limit}", headers=world.ann.headers)
    assert listed.status_code == status, listed.text
    if status == 422:
        assert listed.json()["errors"][0]["field"] == "limit"


async def test_imported_credentials_google_finds_too_narrow_answer_403_with_a_reconnect_hint(world: World) -> None:
    access, refresh = world.google.issue_tokens([READONLY])  # the service client claimed more than it got
    body = {"access_token": access, "refresh_token": refresh, "scopes": [EVENTS]}
    assert (await world.client.put(f"/api/v1/calendar/{world.ann.id}", json=body, headers=world.bot)).status_code == 200
    event = {"title": "Dentist", "start": "2030-01-01T09:00:00Z", "end": "2030-01-01T10:00:00Z"}
    refused = await world.client.post("/api/v1/calendar/events", json=event, headers=world.ann.headers)
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == [EVENTS]
    assert refused.json()["reconnect_url"] == "/api/v1/integrations/google_calendar/connect"
    assert world.google.events == {}


async def test_an_event_whose_answer_was_lost_is_created_once(world: World) -> None:
    await world.import_for(world.ann)
    world.google.fail_api_next(1, 503, after=True)  # Google wrote the event, then answered 503
    event = {"title": "Dentist", "start": "2030-01-01T09:00:00Z", "end": "2030-01-01T10:00:00Z"}
    created = await world.client.post("/api/v1/calendar/events", json=event, headers=world.ann.headers)
    assert created.status_code == 201, created.text
    assert [e["summary"] for e in world.google.events.values()] == ["Dentist"]
    assert created.json()["id"] in world.google.events


async def test_keys_rotate_moves_every_token_to_the_new_key(world: World, settings: Settings) -> None:
    await world.import_for(world.ann)
    hook = {"url": "https://93.184.216.34/in", "events": ["webhook.test"]}  # its secret is sealed too; never sent
    assert (await world.client.post("/api/v1/webhooks", json=hook, headers=world.ann.headers)).status_code == 201
    env = {
        "ASSISTME_ENVIRONMENT": "test",
        "ASSISTME_DATABASE_URL": world.settings.database_url,
        "ASSISTME_REDIS_URL": world.settings.redis_url or "",
        "ASSISTME_SECRET_KEY": world.settings.secret_key,
        "ASSISTME_ENCRYPTION_KEYS": f"{NEW_KEY},{OLD_KEY}",
    }
    rotated = await asyncio.to_thread(CliRunner().invoke, main, ["keys", "rotate"], env=env)
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 2, could not open 0" in rotated.output
    async with running(keyed(settings, world.google, NEW_KEY), Offline(RecordingQueue())) as new_only:
        assert (await new_only.get("/api/v1/calendar/events", headers=world.ann.headers)).status_code == 200
    async with running(keyed(settings, world.google, OLD_KEY), Offline(RecordingQueue())) as old_only:
        assert (await old_only.get("/api/v1/calendar/events", headers=world.ann.headers)).status_code == 503
