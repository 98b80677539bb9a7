"""The Open-Meteo and feed adapters against fakes speaking the real wire formats, and the edges of both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from assistme.adapters.briefing.feeds import FeedReader
from assistme.adapters.briefing.open_meteo import OpenMeteo
from assistme.core.briefing.entities import Feed, Place
from assistme.core.shared.errors import Unavailable
from tests.support.fake_feeds import Entry, FakeFeeds
from tests.support.fake_open_meteo import FakeOpenMeteo
from tests.support.http import loopback_client
from tests.support.services import free_port

WHEN = datetime(2026, 5, 1, 7, 30, tzinfo=UTC)


@pytest.fixture
async def http(feeds: FakeFeeds, meteo: FakeOpenMeteo) -> AsyncIterator[httpx.AsyncClient]:
    """With the fakes as new: they serve the whole run."""
    feeds.reset()
    meteo.reset()
    async with loopback_client() as client:
        yield client


def reader(http: httpx.AsyncClient, max_bytes: int = 1 << 20) -> FeedReader:
    return FeedReader(http, timeout=2.0, max_bytes=max_bytes, max_items=10, user_agent="assistme/test")


async def test_a_304_answers_the_earlier_parse_itself(http: httpx.AsyncClient, feeds: FakeFeeds) -> None:
    feed = Feed("world", feeds.publish("world", "rss", [Entry("Hello", "https://n.example/1", WHEN)]))
    first = await reader(http).fetch(feed, None)
    assert [(i.title, i.published) for i in first.items] == [("Hello", WHEN)]
    assert first.etag is not None
    assert first.last_modified is not None
    assert await reader(http).fetch(feed, first) is first
    assert feeds.calls("world")[-1].headers["user-agent"] == "assistme/test"


async def test_unsafe_links_are_dropped_and_relative_ones_resolved(http: httpx.AsyncClient, feeds: FakeFeeds) -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Click</title><link>javascript:alert(1)</link></item>"
        b"<item><title>Local</title><link>/story/7</link></item></channel></rss>"
    )
    url = feeds.publish_raw("odd", body)
    snapshot = await reader(http).fetch(Feed("odd", url), None)
    assert [(i.title, i.link) for i in snapshot.items] == [("Click", None), ("Local", f"{feeds.base_url}/story/7")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body><p>Not a feed</p></body></html>", "not an RSS or Atom feed"),
        (b"<rss>" + b"x" * 5000 + b"</rss>", "larger than 4096 bytes"),
    ],
)
async def test_a_page_that_is_no_feed_or_too_large_is_refused(
    http: httpx.AsyncClient, feeds: FakeFeeds, body: bytes, reason: str
) -> None:
    url = feeds.publish_raw("bad", body, "text/html")
    with pytest.raises(Unavailable, match=reason):
        await reader(http, max_bytes=4096).fetch(Feed("bad", url), None)


async def test_unreachable_upstreams_are_unavailable_without_their_urls(http: httpx.AsyncClient) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(Unavailable) as caught:
        await reader(http).fetch(Feed("gone", f"{dead}/secret-path.xml"), None)
    assert "secret-path" not in caught.value.detail
    with pytest.raises(Unavailable, match="open-meteo unreachable"):
        await OpenMeteo(http, dead, 2.0, "assistme/test").current(Place(1, 2), "UTC")


async def test_open_meteo_errors_carry_their_reason(http: httpx.AsyncClient, meteo: FakeOpenMeteo) -> None:
    with pytest.raises(Unavailable, match="Latitude must be in range"):
        await OpenMeteo(http, meteo.base_url, 2.0, "assistme/test").current(Place(95, 2), "UTC")
    weather = await OpenMeteo(http, meteo.base_url + "/", 2.0, "assistme/test").current(Place(1, 2), "auto")
    assert (weather.timezone, weather.condition) == ("Europe/Berlin", "overcast")


async def test_open_meteo_gets_the_configured_timeout_not_the_clients_default(meteo: FakeOpenMeteo) -> None:
    """The shared client keeps httpx's per-step default (5 s); here it is 0.2 s, and an answer after 0.6 s still
    arrives within briefing_timeout."""
    meteo.reset()
    meteo.delay = 0.6
    async with loopback_client(timeout=0.2) as client:
        weather = await OpenMeteo(client, meteo.base_url, 3.0, "assistme/test").current(Place(1, 2), "UTC")
    assert weather.timezone == "UTC"
