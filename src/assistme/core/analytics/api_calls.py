"""Per-request records become per-minute histograms; admins read them back per route and method."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assistme.core.analytics.buffer import CallBuffer
from assistme.core.analytics.entities import ApiCall, ApiCallReport, ApiCallSummary, RouteStats
from assistme.core.analytics.histogram import bucket_of, percentile
from assistme.core.analytics.ports import ApiCallStore
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import InvalidInput
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork

DEFAULT_WINDOW = timedelta(hours=24)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Any other method (a client may send any token) is counted as ``OTHER``: the store's keys stay bounded."""


def minute_of(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(second=0, microsecond=0)


def summarise(batch: list[ApiCall]) -> list[RouteStats]:
    """One histogram per route and method. A status of 500 or more is a server error, 400 to 499 a client error."""
    stats: dict[tuple[str, str], RouteStats] = {}
    for route, method, status, duration_ms, _user_id in batch:
        key = (route, method if method in METHODS else "OTHER")
        entry = stats.get(key)
        if entry is None:
            entry = stats[key] = RouteStats(*key)
        entry.count += 1
        if status >= 500:
            entry.server_errors += 1
        elif status >= 400:
            entry.client_errors += 1
        entry.buckets[bucket_of(duration_ms)] += 1
    return list(stats.values())


@dataclass(slots=True)
class FlushApiCalls:
    """Write what waits in the buffer, stamped with the current minute. Records whose write fails are counted as
    dropped: analytics is best effort, and a store that is down must not hold memory."""

    buffer: CallBuffer
    store: ApiCallStore
    uow: UnitOfWork
    clock: Clock

    async def __call__(self) -> int:
        batch = self.buffer.take()
        if not batch:
            return 0
        try:
            await self.store.add(minute_of(self.clock.now()), summarise(batch))
            await self.uow.commit()
        except BaseException:  # cancelled as well: these records are gone either way
            self.buffer.lose(len(batch))
            raise
        return len(batch)


def _summary(stats: RouteStats) -> ApiCallSummary:
    return ApiCallSummary(
        route=stats.route,
        method=stats.method,
        count=stats.count,
        error_count=stats.server_errors,
        client_error_count=stats.client_errors,
        p50_ms=percentile(stats.buckets, 0.50),
        p95_ms=percentile(stats.buckets, 0.95),
    )


@dataclass(slots=True)
class ReportApiCalls:
    """Admins only. Per route and method, busiest first, from the start of the minute ``since`` falls in (default:
    24 hours ago) until now."""

    store: ApiCallStore
    clock: Clock

    async def __call__(self, principal: Principal, since: datetime | None, page: PageRequest) -> ApiCallReport:
        principal.require_admin()
        if since is not None and since.utcoffset() is None:
            raise InvalidInput.field("since", "needs a UTC offset, like 2026-05-01T09:00:00Z")
        try:
            start = minute_of(since if since is not None else self.clock.now() - DEFAULT_WINDOW)
        except OverflowError:  # 0001-01-01T00:00+14:00 is before the first instant a datetime can hold in UTC
            raise InvalidInput.field("since", "is out of range") from None
        routes = sorted(await self.store.summed(start), key=lambda s: (-s.count, s.route, s.method))
        shown = [_summary(s) for s in routes[page.offset : page.offset + page.limit]]
        return ApiCallReport(start, Page(shown, len(routes), page.limit, page.offset))
