"""Ports of the analytics context."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from assistme.core.analytics.entities import RouteStats, Waiting


class ApiCallStore(Protocol):
    async def add(self, minute: datetime, stats: list[RouteStats]) -> None:
        """Add ``stats`` (one per route and method) to the minute's totals; other processes add to the same
        minute at the same time, and nothing is lost."""
        ...

    async def summed(self, since: datetime) -> list[RouteStats]:
        """Per route and method, the totals of every minute from ``since`` on."""
        ...


class DueWork(Protocol):
    async def waiting(self, now: datetime) -> list[Waiting]:
        """Each of ``DUE_WORK_KINDS``, once. Cheap: answered from indexes, at every metrics scrape."""
        ...
