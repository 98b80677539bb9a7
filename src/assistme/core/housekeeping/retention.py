"""Retention: history older than the configured days is pruned by a scheduled job, never by a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from assistme.core.shared.clock import Clock
from assistme.core.shared.uow import UnitOfWork


class History(Protocol):
    """What each kind of history keeps is decided here; the adapter knows the tables."""

    async def prune_runs(self, before: datetime) -> int:
        """Finished job runs (succeeded, failed, missed) whose Telegram message is not still waiting."""
        ...

    async def prune_deliveries(self, before: datetime) -> int:
        """Webhook deliveries that succeeded or failed, with their attempts."""
        ...

    async def prune_notifications(self, before: datetime) -> int:
        """Inbox entries read before ``before``; unread ones stay, however old."""
        ...

    async def prune_states(self, now: datetime) -> int:
        """OAuth and sign-in states that expired unused (a used one is deleted when it is taken)."""
        ...

    async def prune_api_calls(self, before: datetime) -> int:
        """Analytics: the per-minute API call histograms of minutes before ``before``."""
        ...

    async def prune_idempotency_keys(self, before: datetime) -> int:
        """Idempotency keys claimed before ``before``, their kept answers with them (replays had stopped already)."""
        ...


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    days: int = 90
    idempotency_hours: int = 24


@dataclass(frozen=True, slots=True)
class Pruned:
    runs: int
    deliveries: int
    notifications: int
    states: int
    api_calls: int
    idempotency_keys: int


@dataclass(slots=True)
class PruneHistory:
    """Idempotent: two schedulers running it at once delete each row once between them."""

    history: History
    policy: RetentionPolicy
    uow: UnitOfWork
    clock: Clock

    async def __call__(self) -> Pruned:
        now = self.clock.now()
        before = now - timedelta(days=self.policy.days)
        pruned = Pruned(
            runs=await self.history.prune_runs(before),
            deliveries=await self.history.prune_deliveries(before),
            notifications=await self.history.prune_notifications(before),
            states=await self.history.prune_states(now),
            api_calls=await self.history.prune_api_calls(before),
            idempotency_keys=await self.history.prune_idempotency_keys(
                now - timedelta(hours=self.policy.idempotency_hours)
            ),
        )
        await self.uow.commit()
        return pruned
