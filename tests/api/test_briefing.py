"""The briefing through the app: the real Open-Meteo and feed adapters against fakes on 127.0.0.1, the cache in
memory (embedded) and in Redis (served), and the dashboard with and without Google connections."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.briefing.weather import CurrentWeather
from assistme.core.identity.entities import Role
from assistme.core.identity.principal import Principal
from assistme.ioc import make_container
from tests.support.accounts import Account, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.fake_feeds import Entry, FakeFeeds
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.fake_open_meteo import FakeOpenMeteo
from tests.support.google import google_settings
from tests.support.http import loopback_client
from tests.support.scheduling import Offline, RecordingQueue

Client = AsyncTestClient[Litestar]
RETURN = "https://app.example.com/settings"
NOW = datetime.now(UTC).replace(microsecond=0)
WORLD_NEWS = [
    Entry(
        "Harbour reopens after storm",
        "https://news.example.com/world/1",
        NOW - timedelta(hours=1),
        "<p>Ships <b>sail</b> again</p>",
    ),
    Entry("Elections called", "https://news.example.com/world/2", NOW - timedelta(hours=5), "A vote in spring"),
]
TECH_NEWS = [
    Entry("New chip ships", "https://news.example.com/tech/1", NOW - timedelta(hours=2), "Faster &amp; cooler"),
    Entry("Storm of patches for the kernel", "https://news.example.com/tech/2", NOW - timedelta(hours=9)),
]

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class World:
    client: Client
    meteo: FakeOpenMeteo
    feeds: FakeFeeds
    google: FakeGoogle
    llm: FakeLlm
    clock: MovableClock
    settings: Settings
    ann: Account

    async def get(self, path: str, **params: Any) -> Any:
        return await self.client.get(f"/api/v1{path}", params=params, headers=self.ann.headers)

    async def ok(self, path: str, **params: Any) -> dict[str, Any]:
        response = await self.get(path, **params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def profile(self, **changes: Any) -> None:
        response = await self.client.patch("/api/v1/users/me", json=changes, headers=self.ann.headers)
        assert response.status_code == 200, response.text

    async def connect(self, provider: str) -> None:
        """The consent round trip, the browser's part played by following the fake's redirect by hand."""
        started = await self.client.post(
            f"/api/v1/integrations/{provider}/connect", json={"return_url": RETURN}, headers=self.ann.headers
        )
        assert started.status_code == 200, started.text
        async with loopback_client() as browser:
            consent = await browser.get(started.json()["authorization_url"])
        back = await self.client.get(consent.headers["location"].removeprefix(self.settings.public_url))
        assert back.headers["location"] == f"{RETURN}?status=connected&provider={provider}"

    async def reminder(self, name: str, **schedule: Any) -> None:
        body = {"name": name, "type": "notification", "payload": {"message": name}} | schedule
        response = await self.client.post("/api/v1/cron-jobs", json=body, headers=self.ann.headers)
        assert response.status_code == 201, response.text


@pytest.fixture
async def world(
    settings: Settings, meteo: FakeOpenMeteo, feeds: FakeFeeds, google: FakeGoogle, llm: FakeLlm
) -> AsyncIterator[World]:
    for fake in (meteo, feeds, google, llm):
        fake.reset()
    sources = {"world": feeds.publish("world", "rss", WORLD_NEWS), "tech": feeds.publish("tech", "atom", TECH_NEWS)}
    configured = google_settings(
        settings,
        google,
        RETURN,
        open_meteo_base_url=meteo.base_url,
        news_feeds=sources,
        briefing_timeout=2.0,
        llm_base_url=f"{llm.base_url}/v1",
        llm_api_key=llm.api_key,
    )
    clock = MovableClock()
    async with running(configured, clock_provider(clock), Offline(RecordingQueue())) as client:
        client.follow_redirects = False
        yield World(client, meteo, feeds, google, llm, clock, configured, await signup(client))


async def test_weather_is_read_from_open_meteo_in_the_requested_zone(world: World) -> None:
    body = await world.ok("/weather/current", lat=52.52, lon=13.4061, timezone="America/New_York")
    [sent] = world.meteo.requests
    assert (sent["latitude"], sent["longitude"], sent["timezone"]) == ("52.52", "13.41", "America/New_York")
    assert sent["daily"] == "temperature_2m_max,temperature_2m_min"
    assert sent["forecast_days"] == "1"
    zone = ZoneInfo("America/New_York")
    assert body["timezone"] == "America/New_York"
    assert body["utc_offset_seconds"] == int(datetime.now(zone).utcoffset().total_seconds())  # type: ignore[union-attr]
    assert body["date"] == datetime.now(zone).date().isoformat()
    assert body["observed_at"].endswith("Z")
    assert (body["temperature"], body["apparent_temperature"], body["high"], body["low"]) == (14.2, 12.9, 17.8, 6.1)
    assert (body["weather_code"], body["condition"]) == (3, "overcast")
    assert (body["wind_speed"], body["wind_direction"]) == (11.5, 250.0)
    assert body["units"] == {"temperature": "°C", "wind_speed": "km/h"}
    assert body["stale"] is False
    assert body["fetched_at"].endswith("Z")


async def test_weather_defaults_to_the_saved_location_and_the_users_zone(world: World) -> None:
    missing = await world.get("/weather/current")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "lat"
    await world.profile(timezone="Asia/Tokyo", location={"lat": 35.6762, "lon": 139.6503, "name": "Tokyo"})
    body = await world.ok("/weather/current")
    assert body["timezone"] == "Asia/Tokyo"
    assert (world.meteo.requests[-1]["latitude"], world.meteo.requests[-1]["timezone"]) == ("35.68", "Asia/Tokyo")
    auto = await world.ok("/weather/current", timezone="auto")
    assert auto["timezone"] == "Europe/Berlin"  # what the fake resolves auto to


BAD_PLACES = [{"lat": 91, "lon": 0}, {"lat": 0, "lon": -180.5}, {"lat": "north", "lon": 0}, {"lat": 10}, {"lon": 10}]


@pytest.mark.parametrize(
    ("path", "params"),
    [("/weather/current", p) for p in BAD_PLACES]
    + [("/dashboard/morning", p) for p in BAD_PLACES]
    + [("/weather/current", {"lat": 10, "lon": 10, "timezone": "Mars/Olympus_Mons"})],
)
async def test_bad_coordinates_and_zones_are_422(world: World, path: str, params: dict[str, Any]) -> None:
    response = await world.get(path, **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} <= {"lat", "lon", "timezone"}
    assert world.meteo.calls == 0


async def test_a_burst_of_identical_requests_makes_one_upstream_call(world: World) -> None:
    world.meteo.delay = 0.3  # the first call is still in flight while the others arrive
    # The test client serves one request at a time: callers on a container of their own overlap for real, sharing
    # the app's cache only when it is Redis; so the burst runs on one container, as one process would.
    root = make_container(world.settings, clock_provider(world.clock), Offline(RecordingQueue()))
    principal = Principal(uuid.UUID(world.ann.id))

    async def ask() -> Any:
        async with root() as scope:
            return await (await scope.get(CurrentWeather))(principal, 48.8566, 2.3522, "Europe/Paris")

    try:
        answers = await asyncio.gather(*(ask() for _ in range(20)))
    finally:
        await root.close()
    assert world.meteo.calls == 1
    assert len({answer.fetched_at for answer in answers}) == 1


async def test_served_processes_share_one_refresh_through_the_redis_lock(world: World) -> None:
    world.meteo.delay = 0.3
    principal = Principal(uuid.UUID(world.ann.id))
    processes = [make_container(world.settings, clock_provider(world.clock), Offline(RecordingQueue())) for _ in "ab"]

    async def ask(root: Any) -> Any:
        async with root() as scope:
            return await (await scope.get(CurrentWeather))(principal, -33.8688, 151.2093, "Australia/Sydney")

    try:
        await asyncio.gather(*(ask(root) for root in processes for _ in range(5)))
    finally:
        for root in processes:
            await root.close()
    # Embedded there is one process; two containers each keep their own memory, and each makes its one call.
    assert world.meteo.calls == (2 if world.settings.embedded else 1)


async def test_the_weather_is_fetched_again_once_its_ttl_has_passed(world: World) -> None:
    first = await world.ok("/weather/current", lat=40.4168, lon=-3.7038)
    await world.ok("/weather/current", lat=40.4168, lon=-3.7038)
    await world.ok("/weather/current", lat=40.4199, lon=-3.7011)  # rounds to the same place
    assert world.meteo.calls == 1
    world.clock.advance(world.settings.weather_ttl + 1)
    again = await world.ok("/weather/current", lat=40.4168, lon=-3.7038)
    assert world.meteo.calls == 2
    assert again["fetched_at"] > first["fetched_at"]


async def test_a_failing_upstream_serves_the_expired_copy_marked_stale(world: World) -> None:
    world.meteo.failing = 503
    refused = await world.get("/weather/current", lat=1.0, lon=2.0)
    assert refused.status_code == 503  # nothing to fall back on
    world.meteo.failing = None
    first = await world.ok("/weather/current", lat=1.0, lon=2.0)
    world.clock.advance(world.settings.weather_ttl + 1)
    world.meteo.failing = 500
    stale = await world.ok("/weather/current", lat=1.0, lon=2.0)
    assert stale["stale"] is True
    assert (stale["fetched_at"], stale["temperature"]) == (first["fetched_at"], first["temperature"])


async def test_news_merges_rss_and_atom_newest_first_as_plain_text(world: World) -> None:
    body = await world.ok("/news/top")
    titles = [item["title"] for item in body["items"]]
    assert titles == [
        "Harbour reopens after storm",
        "New chip ships",
        "Elections called",
        "Storm of patches for the kernel",
    ]
    first = body["items"][0]
    assert first == {
        "title": "Harbour reopens after storm",
        "link": "https://news.example.com/world/1",
        "source": "world",
        "published": (NOW - timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "summary": "Ships sail again",
    }
    assert body["items"][1]["summary"] == "Faster & cooler"
    assert (body["total"], body["limit"], body["offset"], body["stale"]) == (4, 20, 0, False)
    assert [(s["name"], s["error"]) for s in body["sources"]] == [("world", None), ("tech", None)]
    assert len(world.feeds.calls("world")) == len(world.feeds.calls("tech")) == 1


async def test_news_filters_by_words_and_selects_sources(world: World) -> None:
    storm = await world.ok("/news/top", q="STORM")
    assert [item["title"] for item in storm["items"]] == [
        "Harbour reopens after storm",
        "Storm of patches for the kernel",
    ]
    assert (await world.ok("/news/top", q="storm kernel"))["total"] == 1
    tech = await world.ok("/news/top", sources="tech", limit=1)
    assert [item["title"] for item in tech["items"]] == ["New chip ships"]
    assert (tech["total"], [s["name"] for s in tech["sources"]]) == (2, ["tech"])
    unknown = await world.get("/news/top", sources="tech,gossip")
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"field": "sources", "message": "unknown source 'gossip'; the sources are: world, tech"}
    ]
    for limit in (0, 101):
        assert (await world.get("/news/top", limit=limit)).status_code == 422


async def test_an_expired_feed_is_asked_again_conditionally_and_a_304_keeps_its_items(world: World) -> None:
    await world.ok("/news/top", sources="world")
    world.clock.advance(world.settings.news_ttl + 1)
    body = await world.ok("/news/top", sources="world")
    first, second = world.feeds.calls("world")
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"].startswith('"')
    assert "if-modified-since" in second.headers
    assert [item["title"] for item in body["items"]] == ["Harbour reopens after storm", "Elections called"]
    assert body["stale"] is False


async def test_a_failing_feed_is_reported_and_the_others_still_answer(world: World) -> None:
    world.feeds.fail("tech", 500)
    body = await world.ok("/news/top")
    assert [item["source"] for item in body["items"]] == ["world", "world"]
    assert [(s["name"], s["error"]) for s in body["sources"]] == [("world", None), ("tech", "tech answered 500")]
    world.feeds.fail("world", 404)
    world.clock.advance(world.settings.news_ttl + 1)
    stale = await world.ok("/news/top")  # world's expired copy stands in for it
    assert stale["stale"] is True
    assert (await world.get("/news/top", sources="tech")).status_code == 503


async def test_the_dashboard_gathers_every_section(world: World) -> None:
    await world.profile(timezone="Europe/Berlin", location={"lat": 52.52, "lon": 13.405, "name": "Berlin"})
    await world.connect("google_calendar")
    await world.connect("gmail")
    berlin = ZoneInfo("Europe/Berlin")
    today = datetime.now(berlin).replace(hour=12, minute=0, second=0, microsecond=0)
    world.google.add_event("Lunch with Bob", today, today + timedelta(hours=1))
    world.google.add_event("Dentist", today + timedelta(days=1), today + timedelta(days=1, hours=1))
    world.google.add_message("bob@example.com", "ann@example.com", "Hi", "Lunch?", date=datetime.now(UTC))
    world.google.add_message(
        "eve@example.com", "ann@example.com", "Read", "x", date=datetime.now(UTC), labels=["INBOX"]
    )
    body = await world.ok("/dashboard/morning")
    assert body["date"] == datetime.now(berlin).date().isoformat()
    assert (body["timezone"], body["location"]) == ("Europe/Berlin", {"lat": 52.52, "lon": 13.405})
    for name in ("weather", "news", "calendar", "mail", "reminders"):
        section = body[name]
        assert (section["status"], section["error"], section["stale"]) == ("ok", None, False), name
        assert section["fetched_at"].endswith("Z"), name
    assert body["weather"]["data"]["timezone"] == "Europe/Berlin"
    assert world.meteo.requests[-1]["timezone"] == "Europe/Berlin"
    assert [item["title"] for item in body["news"]["data"]["items"]][:2] == [
        "Harbour reopens after storm",
        "New chip ships",
    ]
    assert [event["title"] for event in body["calendar"]["data"]] == ["Lunch with Bob"]
    assert body["mail"]["data"] == {"unread": 1}
    assert body["reminders"]["data"] == []


async def test_a_failing_section_is_marked_and_the_others_answer(world: World) -> None:
    world.meteo.failing = 500
    body = await world.ok("/dashboard/morning", lat=48.1351, lon=11.582)
    assert body["weather"]["status"] == "error"
    assert body["weather"]["data"] is None
    assert "open-meteo answered 500" in body["weather"]["error"]
    assert body["news"]["status"] == "ok"
    assert len(body["news"]["data"]["items"]) == 4
    assert body["reminders"]["status"] == "ok"


async def test_without_connections_or_location_the_sections_say_so(world: World) -> None:
    body = await world.ok("/dashboard/morning")
    assert body["location"] is None
    assert body["weather"]["status"] == "no_location"
    assert "save a location" in body["weather"]["error"]
    for name, provider in (("calendar", "google_calendar"), ("mail", "gmail")):
        assert body[name]["status"] == "not_connected"
        assert body[name]["error"] == f"not connected: POST /api/v1/integrations/{provider}/connect"
    assert body["news"]["status"] == "ok"
    assert world.meteo.calls == 0
    assert world.google.api_requests == []


async def test_todays_reminders_are_those_still_to_fire_before_midnight_in_the_users_zone(world: World) -> None:
    zone = daytime_zone()
    await world.profile(timezone=zone)
    local = datetime.now(ZoneInfo(zone))
    soon = (local + timedelta(hours=1)).replace(second=0, microsecond=0)
    tomorrow = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    await world.reminder("water the plants", run_at=soon.isoformat())
    await world.reminder("call the bank", run_at=tomorrow.isoformat())
    await world.reminder("stretch", cron_expression="30 */4 * * *")  # in the user's zone, their default
    await world.reminder("paused", cron_expression="* * * * *", is_active=False)
    body = await world.ok("/dashboard/morning")
    assert body["date"] == local.date().isoformat()
    listed = [
        (r["name"], datetime.fromisoformat(r["at"]).astimezone(ZoneInfo(zone))) for r in body["reminders"]["data"]
    ]
    stretches = [local.replace(hour=h, minute=30, second=0, microsecond=0) for h in range(0, 24, 4)]
    expected = [("stretch", t) for t in stretches if t > local] + [("water the plants", soon)]
    assert listed == sorted(expected, key=lambda reminder: reminder[1])


async def test_the_agents_weather_tool_answers_through_open_meteo(world: World) -> None:
    root = await signup(world.client, role=Role.ADMIN)
    tools = (await world.client.get("/api/v1/tools?limit=100", headers=root.headers)).json()["items"]
    weather_id = next(tool["id"] for tool in tools if tool["name"] == "weather")
    assistant = {"name": "Sec", "model": "test-model", "instructions": "Be brief.", "tool_ids": [weather_id]}
    created = await world.client.post("/api/v1/assistants", json=assistant, headers=world.ann.headers)
    started = await world.client.post(
        "/api/v1/conversations", json={"assistant_id": created.json()["id"]}, headers=world.ann.headers
    )
    world.llm.call_tool("weather", {"lat": 59.9139, "lon": 10.7522, "timezone": "Europe/Oslo"})
    world.llm.reply("Overcast, 14 degrees.")
    answer = await world.client.post(
        f"/api/v1/conversations/{started.json()['id']}/messages",
        json={"content": "Weather?"},
        headers=world.ann.headers,
    )
    assert answer.status_code == 201, answer.text
    result = json.loads(world.llm.requests[-1]["messages"][-1]["content"])
    assert (result["value"]["condition"], result["value"]["temperature"]) == ("overcast", 14.2)
    assert (result["value"]["timezone"], result["stale"]) == ("Europe/Oslo", False)
    assert world.meteo.requests[-1]["timezone"] == "Europe/Oslo"
    world.llm.call_tool("weather", {})  # no place given and none saved: an error the model reads
    world.llm.reply("Where are you?")
    await world.client.post(
        f"/api/v1/conversations/{started.json()['id']}/messages",
        json={"content": "And here?"},
        headers=world.ann.headers,
    )
    assert "save a location" in json.loads(world.llm.requests[-1]["messages"][-1]["content"])["error"]


def daytime_zone() -> str:
    """A fixed-offset zone where it is now between 07:00 and 15:00, so "later today" has room whenever this runs."""
    for hours in range(-12, 15):
        name = f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"  # POSIX signs: Etc/GMT-3 is UTC+3
        if 7 <= datetime.now(ZoneInfo(name)).hour < 15:
            return name
    raise AssertionError("some zone is always in daytime")


async def test_every_briefing_route_needs_a_signed_in_caller(world: World) -> None:
    for path in ("/weather/current?lat=1&lon=2", "/news/top", "/dashboard/morning"):
        assert (await world.client.get(f"/api/v1{path}")).status_code == 401, path
    assert world.meteo.calls == 0
    assert world.feeds.seen == []
