"""How much due work waits, and how late it is: read at every metrics scrape."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.analytics.entities import Backlog
from assistme.core.analytics.ports import DueWork
from assistme.core.shared.clock import Clock


@dataclass(slots=True)
class MeasureDueWork:
    """Per kind of due work: how many items wait, and how many seconds ago the oldest of them fell due."""

    due_work: DueWork
    clock: Clock

    async def __call__(self) -> list[Backlog]:
        now = self.clock.now()
        return [
            Backlog(w.kind, w.count, 0.0 if w.oldest_due is None else max(0.0, (now - w.oldest_due).total_seconds()))
            for w in await self.due_work.waiting(now)
        ]
