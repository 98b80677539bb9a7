"""Pruning old history: one DELETE per kind, each safe to run twice or on two processes at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import (
    IdempotencyKeyRow,
    JobRunRow,
    NotificationRow,
    OAuthStateRow,
    SignInStateRow,
    WebhookDeliveryRow,
    api_calls,
)
from assistme.core.scheduling.entities import Delivery, RunStatus
from assistme.core.webhooks.entities import DeliveryStatus

_FINISHED_RUNS = (RunStatus.SUCCEEDED.value, RunStatus.FAILED.value, RunStatus.MISSED.value)
_FINISHED_DELIVERIES = (DeliveryStatus.SUCCEEDED.value, DeliveryStatus.FAILED.value)


class SqlHistory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def prune_runs(self, before: datetime) -> int:
        return await self._count(
            delete(JobRunRow).where(
                JobRunRow.status.in_(_FINISHED_RUNS),
                JobRunRow.scheduled_for < before,
                or_(JobRunRow.delivery.is_(None), JobRunRow.delivery != Delivery.PENDING.value),
            )
        )

    async def prune_deliveries(self, before: datetime) -> int:
        return await self._count(
            delete(WebhookDeliveryRow).where(
                WebhookDeliveryRow.status.in_(_FINISHED_DELIVERIES), WebhookDeliveryRow.created_at < before
            )
        )

    async def prune_notifications(self, before: datetime) -> int:
        return await self._count(delete(NotificationRow).where(NotificationRow.read_at < before))

    async def prune_states(self, now: datetime) -> int:
        oauth = await self._count(delete(OAuthStateRow).where(OAuthStateRow.expires_at < now))
        return oauth + await self._count(delete(SignInStateRow).where(SignInStateRow.expires_at < now))

    async def prune_api_calls(self, before: datetime) -> int:
        return await self._count(delete(api_calls).where(api_calls.c.minute < before))

    async def prune_idempotency_keys(self, before: datetime) -> int:
        return await self._count(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < before))

    async def _count(self, stmt: Any) -> int:
        result = await self._session.execute(stmt.execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)
