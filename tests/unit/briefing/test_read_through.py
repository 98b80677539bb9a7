"""ReadThrough: fresh within the TTL, one refresher per key, the expired copy when the upstream fails."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from assistme.core.briefing.caching import ReadThrough
from assistme.core.briefing.entities import Day, Place
from assistme.core.shared.errors import InvalidInput, Unavailable

TTL = timedelta(minutes=10)


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class Cache:
    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.lock = asyncio.Lock()

    async def get(self, key: str) -> bytes | None:
        return self.values.get(key)

    async def put(self, key: str, value: bytes) -> None:
        self.values[key] = value

    @contextlib.asynccontextmanager
    async def single_flight(self, key: str) -> AsyncIterator[None]:
        async with self.lock:
            yield


class Upstream:
    def __init__(self) -> None:
        self.calls: list[int | None] = []
        self.failing = False

    async def __call__(self, previous: int | None) -> int:
        self.calls.append(previous)
        await asyncio.sleep(0.01)
        if self.failing:
            raise Unavailable("upstream down")
        return len(self.calls)


async def test_fresh_copies_are_reused_and_expired_ones_handed_to_the_refresh() -> None:
    clock, upstream = Clock(), Upstream()
    read = ReadThrough(Cache(), clock)
    answers = await asyncio.gather(*(read("k", int, TTL, upstream) for _ in range(10)))
    assert {a.value for a in answers} == {1}
    assert upstream.calls == [None]
    clock.at += TTL
    again = await read("k", int, TTL, upstream)
    assert (again.value, again.fetched_at, upstream.calls) == (2, clock.at, [None, 1])


async def test_a_failing_upstream_gives_the_expired_copy_marked_stale_or_raises_without_one() -> None:
    clock, upstream = Clock(), Upstream()
    read = ReadThrough(Cache(), clock)
    first = await read("k", int, TTL, upstream)
    clock.at += TTL * 3
    upstream.failing = True
    stale = await read("k", int, TTL, upstream)
    assert (stale.value, stale.fetched_at, stale.stale) == (1, first.fetched_at, True)
    with pytest.raises(Unavailable):
        await read("other", int, TTL, upstream)


async def test_a_copy_in_another_shape_is_a_miss() -> None:
    cache, upstream = Cache(), Upstream()
    cache.values["k"] = b'{"value": "not a number", "fetched_at": "2026-03-29T06:00:00Z"}'
    assert (await ReadThrough(cache, Clock())("k", int, TTL, upstream)).value == 1


def test_a_day_in_a_zone_spans_its_own_hours_across_a_clock_change() -> None:
    day = Day.of(datetime(2026, 3, 29, 6, 0, tzinfo=UTC), "Europe/Berlin")  # spring forward: 23 hours
    assert (day.start, day.end) == (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    late = Day.of(datetime(2026, 3, 29, 23, 30, tzinfo=UTC), "America/Los_Angeles")
    assert late.date.isoformat() == "2026-03-29"


@pytest.mark.parametrize(("lat", "lon"), [(90.01, 0), (0, 180.01), (float("nan"), 0), (0, float("inf"))])
def test_places_out_of_range_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(InvalidInput):
        Place.checked(lat, lon)
