"""How much due work waits: one statement, each part answered from the index the scheduler itself uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, String, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import AgentTaskRow, CronJobRow, JobRunRow, WebhookDeliveryRow
from assistme.core.analytics.entities import DUE_WORK_KINDS, Waiting
from assistme.core.conversations.entities import TaskStatus
from assistme.core.scheduling.entities import RunStatus
from assistme.core.webhooks.entities import DeliveryStatus

JOBS, RUNS, TASKS, DELIVERIES = DUE_WORK_KINDS


class SqlDueWork:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def waiting(self, now: datetime) -> list[Waiting]:
        stmt: CompoundSelect[Any] = union_all(
            # occurrences the scheduler has not recorded yet: this grows when no scheduler runs
            select(literal(JOBS, String), func.count(), func.min(CronJobRow.next_run_at)).where(
                CronJobRow.is_active, CronJobRow.next_run_at <= now
            ),
            select(literal(RUNS, String), func.count(), func.min(JobRunRow.scheduled_for)).where(
                JobRunRow.status == RunStatus.PENDING.value, JobRunRow.scheduled_for <= now
            ),
            select(literal(TASKS, String), func.count(), func.min(AgentTaskRow.created_at)).where(
                AgentTaskRow.status == TaskStatus.PENDING.value
            ),
            select(literal(DELIVERIES, String), func.count(), func.min(WebhookDeliveryRow.next_attempt_at)).where(
                WebhookDeliveryRow.status == DeliveryStatus.PENDING.value, WebhookDeliveryRow.next_attempt_at <= now
            ),
        )
        rows = (await self._session.execute(stmt)).all()
        return [Waiting(kind, int(count), oldest) for kind, count, oldest in rows]
