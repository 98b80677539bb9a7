"""NewsSource over RSS and Atom: fetched with the shared HTTP client, parsed with feedparser.

feedparser never fetches anything itself: it is handed the body as a stream (given bytes or a string, it would
try them as a file name, or as a URL to open). The request is conditional when an earlier answer carried an
ETag or a Last-Modified date, and a 304 keeps the earlier parse. The body is read up to a cap, counted after
decompression, so a huge or gzip-bombed feed costs at most that much memory. Feed URLs come from the operator's
settings, so redirects (http to https, a moved feed) are followed.
"""

from __future__ import annotations

import asyncio
import html
import io
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from assistme.core.briefing.entities import Feed, FeedSnapshot, NewsItem
from assistme.core.shared.errors import Unavailable

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
MAX_TITLE, MAX_SUMMARY = 300, 500
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


class FeedReader:
    def __init__(
        self, client: httpx.AsyncClient, *, timeout: float, max_bytes: int, max_items: int, user_agent: str
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_items = max_items
        self._user_agent = user_agent

    async def fetch(self, feed: Feed, previous: FeedSnapshot | None) -> FeedSnapshot:
        headers = {"User-Agent": self._user_agent, "Accept": ACCEPT}
        if previous is not None and previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous is not None and previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        try:
            async with asyncio.timeout(self._timeout):  # httpx's timeout is per phase; this bounds the whole read
                response, body = await self._get(feed, headers)
        except (httpx.HTTPError, TimeoutError) as exc:  # str(exc) may hold the URL: the class name only
            raise Unavailable(f"{feed.name} unreachable: {type(exc).__name__}") from None
        if response.status_code == 304 and previous is not None:
            return previous
        if response.status_code != 200:
            raise Unavailable(f"{feed.name} answered {response.status_code}")
        content_type = response.headers.get("content-type", "application/xml")
        # Parsing a large feed takes a while: off the event loop.
        items = await asyncio.to_thread(parse, body, feed.name, content_type, str(response.url), self._max_items)
        return FeedSnapshot(items, response.headers.get("etag"), response.headers.get("last-modified"))

    async def _get(self, feed: Feed, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        async with self._client.stream(
            "GET", feed.url, headers=headers, timeout=self._timeout, follow_redirects=True
        ) as response:
            if response.status_code != 200:
                return response, b""
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._max_bytes:
                raise self._too_large(feed)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self._max_bytes:
                    raise self._too_large(feed)
            return response, bytes(body)

    def _too_large(self, feed: Feed) -> Unavailable:
        return Unavailable(f"{feed.name} is larger than {self._max_bytes} bytes")


def parse(body: bytes, source: str, content_type: str, location: str, limit: int) -> tuple[NewsItem, ...]:
    """The feed's first ``limit`` entries as news items; Unavailable when the body is no RSS or Atom feed.
    ``location`` (the address the body came from) resolves relative links."""
    headers = {"content-type": content_type, "content-location": location}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        raise Unavailable(f"{source} is not an RSS or Atom feed")
    items = (_item(entry, source) for entry in parsed.entries[:limit])
    return tuple(item for item in items if item is not None)


def _item(entry: Any, source: str) -> NewsItem | None:
    title = _text(entry.get("title"), MAX_TITLE)
    link = entry.get("link")
    link = link if isinstance(link, str) and urlsplit(link).scheme in ("http", "https") else None  # no javascript:
    if not title and link is None:
        return None
    when = entry.get("published_parsed") or entry.get("updated_parsed")  # a UTC struct_time
    published = datetime(*tuple(when)[:6]).replace(tzinfo=UTC) if when else None
    return NewsItem(title or link or "", link, source, published, _text(entry.get("summary"), MAX_SUMMARY))


def _text(value: Any, limit: int) -> str | None:
    """Plain text: feedparser keeps (sanitised) HTML in summaries, and a client shows text."""
    if not isinstance(value, str):
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", value))).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None
