"""Read-through caching of upstream answers: fresh for a TTL, refreshed by one caller at a time, and served stale
when the upstream fails and an older copy exists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import msgspec

from assistme.core.briefing.ports import SnapshotCache
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Unavailable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    value: T
    fetched_at: datetime
    stale: bool = False  # the upstream failed; this is the last copy it gave


class _Entry(msgspec.Struct, Generic[T]):
    value: T
    fetched_at: datetime


@dataclass(slots=True)
class ReadThrough:
    """``fetch`` is given the last copy, fresh or not (a conditional GET sends its validators), and is called by
    one caller at a time per key: the others wait, then find the copy it stored. Freshness is judged on the
    clock, not by the store's expiry, so an expired copy stays at hand for stale-on-error."""

    cache: SnapshotCache
    clock: Clock

    async def __call__(
        self, key: str, kind: type[T], ttl: timedelta, fetch: Callable[[T | None], Awaitable[T]]
    ) -> Cached[T]:
        held = await self._read(key, kind)
        if held is not None and self._fresh(held, ttl):
            return held
        async with self.cache.single_flight(key):
            held = await self._read(key, kind)  # whoever held the flight before us may have refreshed it
            if held is not None and self._fresh(held, ttl):
                return held
            try:
                value = await fetch(held.value if held is not None else None)
            except Unavailable:
                if held is None:
                    raise
                return Cached(held.value, held.fetched_at, stale=True)
            fresh = Cached(value, self.clock.now())
            await self.cache.put(key, msgspec.json.encode(_Entry(value, fresh.fetched_at)))
            return fresh

    async def _read(self, key: str, kind: type[T]) -> Cached[T] | None:
        raw = await self.cache.get(key)
        if raw is None:
            return None
        try:
            entry = msgspec.json.decode(raw, type=_Entry[kind])  # type: ignore[valid-type]
        except msgspec.DecodeError:  # written by an older release in another shape: a miss, rewritten on refresh
            return None
        return Cached(entry.value, entry.fetched_at)

    def _fresh(self, held: Cached[T], ttl: timedelta) -> bool:
        return self.clock.now() - held.fetched_at < ttl
