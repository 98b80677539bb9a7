"""Per-minute API call histograms: added to with one upsert per batch, summed by the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.dialects import insert
from assistme.adapters.persistence.models import LATENCY_COLUMNS, api_calls
from assistme.core.analytics.entities import RouteStats

_COUNTS = ("count", "server_errors", "client_errors", *LATENCY_COLUMNS)
_ROWS_PER_STATEMENT = 200  # 35 parameters a row: far below SQLite's and PostgreSQL's limits


class SqlApiCallStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, minute: datetime, stats: list[RouteStats]) -> None:
        if not stats:
            return
        rows = [
            {
                "minute": minute,
                "route": s.route,
                "method": s.method,
                "count": s.count,
                "server_errors": s.server_errors,
                "client_errors": s.client_errors,
                **dict(zip(LATENCY_COLUMNS, s.buckets, strict=True)),
            }
            for s in stats
        ]
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            stmt = insert(self._session, api_calls).values(rows[start : start + _ROWS_PER_STATEMENT])
            # Two processes writing the same minute add up; neither overwrites the other.
            stmt = stmt.on_conflict_do_update(
                index_elements=["minute", "route", "method"],
                set_={name: api_calls.c[name] + stmt.excluded[name] for name in _COUNTS},
            )
            await self._session.execute(stmt)

    async def summed(self, since: datetime) -> list[RouteStats]:
        stmt = (
            select(api_calls.c.route, api_calls.c.method, *(func.sum(api_calls.c[name]) for name in _COUNTS))
            .where(api_calls.c.minute >= since)
            .group_by(api_calls.c.route, api_calls.c.method)
        )
        return [
            RouteStats(route, method, int(count), int(server), int(client), [int(n) for n in buckets])
            for route, method, count, server, client, *buckets in (await self._session.execute(stmt)).all()
        ]
