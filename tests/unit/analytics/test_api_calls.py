"""Records become per-minute histograms per route and method; the report sums them from ``since``, admins only."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from assistme.core.analytics.api_calls import FlushApiCalls, ReportApiCalls, summarise
from assistme.core.analytics.buffer import CallBuffer
from assistme.core.analytics.due_work import MeasureDueWork
from assistme.core.analytics.entities import Backlog, RouteStats, Waiting
from assistme.core.analytics.histogram import bucket_of
from assistme.core.identity.entities import Role
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import InvalidInput, PermissionDenied
from assistme.core.shared.pagination import PageRequest
from tests.unit.integrations.fakes import Clock, Uow

ADMIN = Principal(uuid.uuid4(), Role.ADMIN)
ROUTE = "/api/v1/assistants/{assistant_id}"


class Store:
    """Keeps each minute's stats as the SQL store does: added to, never overwritten."""

    def __init__(self, failing: bool = False) -> None:
        self.minutes: dict[tuple[datetime, str, str], RouteStats] = {}
        self.failing = failing

    async def add(self, minute: datetime, stats: list[RouteStats]) -> None:
        if self.failing:
            raise ConnectionError("the database is away")
        for s in stats:
            kept = self.minutes.setdefault((minute, s.route, s.method), RouteStats(s.route, s.method))
            kept.count += s.count
            kept.server_errors += s.server_errors
            kept.client_errors += s.client_errors
            kept.buckets = [a + b for a, b in zip(kept.buckets, s.buckets, strict=True)]

    async def summed(self, since: datetime) -> list[RouteStats]:
        total: dict[tuple[str, str], RouteStats] = {}
        for (minute, route, method), s in self.minutes.items():
            if minute >= since:
                kept = total.setdefault((route, method), RouteStats(route, method))
                kept.count += s.count
                kept.server_errors += s.server_errors
                kept.client_errors += s.client_errors
                kept.buckets = [a + b for a, b in zip(kept.buckets, s.buckets, strict=True)]
        return list(total.values())


def test_summarise_counts_server_and_client_errors_apart_and_buckets_each_duration() -> None:
    user = uuid.uuid4()
    batch = [(ROUTE, "GET", 200, 4.0, user), (ROUTE, "GET", 404, 4.0, None), (ROUTE, "GET", 503, 400.0, user)]
    batch += [(ROUTE, "DELETE", 204, 1.0, user), ("(unmatched)", "BREW", 405, 0.1, None)]
    stats = {(s.route, s.method): s for s in summarise(batch)}
    get = stats[(ROUTE, "GET")]
    assert (get.count, get.server_errors, get.client_errors) == (3, 1, 1)
    assert get.buckets[bucket_of(4.0)] == 2
    assert get.buckets[bucket_of(400.0)] == 1
    assert stats[(ROUTE, "DELETE")].count == 1
    assert stats[("(unmatched)", "OTHER")].client_errors == 1  # a made-up method is not a key of its own


async def test_a_flush_writes_the_batch_in_the_current_minute_and_empties_the_buffer() -> None:
    buffer, store, uow, clock = CallBuffer(10, 100), Store(), Uow(), Clock()
    clock.at = datetime(2026, 11, 22, 9, 30, 42, 123, tzinfo=UTC)
    buffer.record(ROUTE, "GET", 200, 3.0, None)
    buffer.record(ROUTE, "GET", 500, 3.0, None)
    assert await FlushApiCalls(buffer, store, uow, clock)() == 2
    assert list(store.minutes) == [(datetime(2026, 11, 22, 9, 30, tzinfo=UTC), ROUTE, "GET")]
    assert uow.commits == 1
    assert await FlushApiCalls(buffer, store, uow, clock)() == 0  # nothing waits: no write
    assert uow.commits == 1


async def test_a_failed_write_counts_its_records_as_dropped() -> None:
    buffer = CallBuffer(10, 100)
    buffer.record(ROUTE, "GET", 200, 3.0, None)
    with pytest.raises(ConnectionError):
        await FlushApiCalls(buffer, Store(failing=True), Uow(), Clock())()
    assert (buffer.dropped, len(buffer)) == (1, 0)


async def report_after(durations: list[tuple[str, str, int, float]], clock: Clock) -> ReportApiCalls:
    store, buffer = Store(), CallBuffer(1000, 1000)
    for route, method, status, ms in durations:
        buffer.record(route, method, status, ms, None)
    await FlushApiCalls(buffer, store, Uow(), clock)()
    return ReportApiCalls(store, clock)


async def test_the_report_gives_count_errors_and_percentiles_busiest_first() -> None:
    clock = Clock()
    calls = [(ROUTE, "GET", 200, 4.0)] * 89 + [(ROUTE, "GET", 500, 4.0)] + [(ROUTE, "GET", 200, 400.0)] * 10
    calls += [("/api/v1/health", "GET", 200, 0.3)]
    report = await (await report_after(calls, clock))(ADMIN, None, PageRequest())
    assert report.since == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # 24 hours back by default
    busiest, health = report.page.items
    assert (busiest.route, busiest.count, busiest.error_count, busiest.client_error_count) == (ROUTE, 100, 1, 0)
    assert busiest.p50_ms == pytest.approx(3 + 2 * 50 / 90)
    assert busiest.p95_ms == pytest.approx(400.0)
    assert (health.count, health.p50_ms) == (1, pytest.approx(0.25))
    assert report.page.total == 2


async def test_the_report_counts_from_the_minute_since_falls_in() -> None:
    clock, store, buffer = Clock(), Store(), CallBuffer(1000, 1000)
    for _ in range(3):
        buffer.record(ROUTE, "GET", 200, 1.0, None)
        await FlushApiCalls(buffer, store, Uow(), clock)()
        clock.at += timedelta(hours=1)
    report = ReportApiCalls(store, clock)
    start = datetime(2026, 11, 22, 10, 0, 59, tzinfo=UTC)
    assert [s.count for s in (await report(ADMIN, start, PageRequest())).page.items] == [2]
    later = (await report(ADMIN, start + timedelta(hours=2), PageRequest())).page
    assert (later.items, later.total) == ([], 0)


async def test_the_report_pages_and_is_for_admins_with_an_offset_aware_since() -> None:
    clock = Clock()
    calls = [(f"/api/v1/r{i}", "GET", 200, 1.0) for i in range(3)]
    report = await report_after(calls, clock)
    page = (await report(ADMIN, None, PageRequest(limit=2, offset=2))).page
    assert ([s.route for s in page.items], page.total, page.limit, page.offset) == (["/api/v1/r2"], 3, 2, 2)
    with pytest.raises(PermissionDenied):
        await report(replace(ADMIN, role=Role.USER), None, PageRequest())
    with pytest.raises(PermissionDenied):
        await report(Principal(None, Role.ADMIN, api_key_id=uuid.uuid4()), None, PageRequest())
    with pytest.raises(InvalidInput) as invalid:
        await report(ADMIN, datetime(2026, 11, 22, 9, 0), PageRequest())  # no offset: the point
    assert invalid.value.errors[0].field == "since"


class DueWork:
    def __init__(self, waiting: list[Waiting]) -> None:
        self._waiting = waiting

    async def waiting(self, now: datetime) -> list[Waiting]:
        return self._waiting


async def test_due_work_lag_is_how_long_ago_the_oldest_item_fell_due() -> None:
    clock = Clock()
    due = DueWork([Waiting("job_runs", 3, clock.at - timedelta(seconds=90)), Waiting("agent_tasks", 0, None)])
    assert await MeasureDueWork(due, clock)() == [Backlog("job_runs", 3, 90.0), Backlog("agent_tasks", 0, 0.0)]
