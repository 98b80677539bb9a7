"""Fake news feeds on 127.0.0.1: RSS 2.0 and Atom 1.0 documents, each with an ETag and a Last-Modified date, and a
304 for a conditional GET that names the current ETag (or a date not older than the feed's). Every request is
recorded with its headers; a test can make one feed fail."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from tests.support.loopback_server import LoopbackServer, Receive, Send

Kind = Literal["rss", "atom"]
TYPES = {"rss": b"application/rss+xml; charset=utf-8", "atom": b"application/atom+xml; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    link: str
    published: datetime
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Seen:
    path: str
    headers: dict[str, str]


class FakeFeeds(LoopbackServer):
    """``feeds.publish("world", "rss", [...])`` answers the feed's URL; ``feeds.calls("world")`` counts its GETs."""

    label = "the fake feed server"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        super().__init__()

    def reset(self) -> None:
        with self._lock:
            self._feeds: dict[str, tuple[Kind, list[Entry]]] = {}
            self._raw: dict[str, tuple[bytes, bytes]] = {}
            self._failing: dict[str, int] = {}
            self.seen: list[Seen] = []

    def publish(self, name: str, kind: Kind, entries: list[Entry]) -> str:
        with self._lock:
            self._feeds[name] = (kind, list(entries))
        return f"{self.base_url}/feeds/{name}.xml"

    def publish_raw(self, name: str, body: bytes, content_type: str = "application/rss+xml") -> str:
        """Serve ``body`` as it is (no validators): a broken feed, an HTML page, a huge document."""
        with self._lock:
            self._raw[name] = (body, content_type.encode())
        return f"{self.base_url}/feeds/{name}.xml"

    def fail(self, name: str, status: int | None) -> None:
        """``name`` answers ``status`` from now on; None brings it back."""
        with self._lock:
            if status is None:
                self._failing.pop(name, None)
            else:
                self._failing[name] = status

    def calls(self, name: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == f"/feeds/{name}.xml"]

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path: str = scope["path"]
        name = path.removeprefix("/feeds/").removesuffix(".xml")
        with self._lock:
            self.seen.append(Seen(path, headers))
            failing, feed, raw = self._failing.get(name), self._feeds.get(name), self._raw.get(name)
        if raw is not None and failing is None:
            await _reply(send, 200, [(b"content-type", raw[1])], raw[0])
            return
        if failing is not None or feed is None:
            await _reply(send, failing or 404, [(b"content-type", b"text/plain")], b"no feed here")
            return
        kind, entries = feed
        body = (rss if kind == "rss" else atom)(name, entries)
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        modified = max((e.published for e in entries), default=datetime(2020, 1, 1, tzinfo=UTC))
        validators = [(b"etag", etag.encode()), (b"last-modified", format_datetime(modified, usegmt=True).encode())]
        if _unchanged(headers, etag, modified):
            await _reply(send, 304, validators, b"")
            return
        await _reply(send, 200, [(b"content-type", TYPES[kind]), *validators], body)


def _unchanged(headers: dict[str, str], etag: str, modified: datetime) -> bool:
    if "if-none-match" in headers:  # RFC 9110: If-Modified-Since is ignored when If-None-Match is sent
        return etag in [tag.strip() for tag in headers["if-none-match"].split(",")]
    since = headers.get("if-modified-since")
    return since is not None and parsedate_to_datetime(since) >= modified.replace(microsecond=0)


async def _reply(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def rss(name: str, entries: list[Entry]) -> bytes:
    items = "".join(
        f"<item><title>{escape(e.title)}</title><link>{escape(e.link)}</link>"
        f"<description>{escape(e.summary)}</description><guid>{escape(e.link)}</guid>"
        f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate></item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(name)}</title><link>https://news.example.com/{name}</link>"
        f"<description>The {escape(name)} desk</description>{items}</channel></rss>"
    ).encode()


def atom(name: str, entries: list[Entry]) -> bytes:
    updated = max((e.published for e in entries), default=datetime(2020, 1, 1, tzinfo=UTC))
    items = "".join(
        f'<entry><title>{escape(e.title)}</title><link rel="alternate" href={quoteattr(e.link)}/>'
        f"<id>{escape(e.link)}</id><updated>{e.published.isoformat()}</updated>"
        f'<summary type="html">{escape(e.summary)}</summary></entry>'
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(name)}</title><id>urn:feed:{escape(name)}</id><updated>{updated.isoformat()}</updated>"
        f"{items}</feed>"
    ).encode()
