"""Ports of the briefing context."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from assistme.core.briefing.entities import Feed, FeedSnapshot, Place, Weather
from assistme.core.identity.principal import Principal


class WeatherSource(Protocol):
    async def current(self, place: Place, timezone: str) -> Weather:
        """Conditions now and the day's high and low in ``timezone`` (an IANA name or ``auto``). Raises the core's
        Unavailable for anything the upstream service does wrong (unreachable, slow, an error, a broken answer)."""
        ...


class NewsSource(Protocol):
    async def fetch(self, feed: Feed, previous: FeedSnapshot | None) -> FeedSnapshot:
        """The feed now. With ``previous``, a conditional GET: when the server says nothing changed (304) the answer
        is ``previous`` itself. Raises the core's Unavailable on any failure."""
        ...


class SnapshotCache(Protocol):
    """Bytes under a key, kept beyond their freshness (the reader decides what is fresh) so an expired copy can
    still serve a failing upstream and a conditional GET. A store that is away reads as empty and forgets writes:
    the cache must never fail a briefing."""

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes) -> None: ...

    def single_flight(self, key: str) -> AbstractAsyncContextManager[None]:
        """Held by one refresher of ``key`` at a time, so a burst of identical requests makes one upstream call."""
        ...


class AccountActions(Protocol):
    """A provider action on the caller's connection (see ProviderAction), each call in a unit of work of its own:
    a token refresh writes to the database, and several calls run at once."""

    async def __call__(self, principal: Principal, provider: str, action: str, params: dict[str, Any]) -> Any: ...
