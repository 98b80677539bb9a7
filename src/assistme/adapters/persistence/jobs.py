"""Job and run repositories. Every step that two processes may race on is one conditional statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence import dialects
from assistme.adapters.persistence.models import CronJobRow, JobRunRow
from assistme.core.scheduling.entities import (
    Delivery,
    Job,
    JobSpec,
    JobType,
    MisfirePolicy,
    Occurrence,
    Run,
    RunStatus,
    Trigger,
)
from assistme.core.shared.pagination import Page, PageRequest

_LIVE = (RunStatus.PENDING.value, RunStatus.RUNNING.value)


class _JobRows(SQLAlchemyAsyncRepository[CronJobRow]):
    model_type = CronJobRow


class _RunRows(SQLAlchemyAsyncRepository[JobRunRow]):
    model_type = JobRunRow


def _job(row: CronJobRow) -> Job:
    return Job(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        type=JobType(row.type),
        cron_expression=row.cron_expression,
        run_at=row.run_at,
        timezone=row.timezone,
        payload=row.payload,
        is_active=row.is_active,
        misfire_policy=MisfirePolicy(row.misfire_policy),
        next_run_at=row.next_run_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _run(row: JobRunRow) -> Run:
    return Run(
        id=row.id,
        job_id=row.job_id,
        owner_id=row.owner_id,
        scheduled_for=row.scheduled_for,
        trigger=Trigger(row.trigger),
        status=RunStatus(row.status),
        attempts=row.attempts,
        started_at=row.started_at,
        finished_at=row.finished_at,
        lease_until=row.lease_until,
        error=row.error,
        delivery=None if row.delivery is None else Delivery(row.delivery),
        delivery_attempts=row.delivery_attempts,
        next_delivery_at=row.next_delivery_at,
        created_at=row.created_at,
    )


class SqlJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _JobRows(session=session, auto_expunge=False, auto_refresh=False)

    async def get(self, job_id: UUID) -> Job | None:
        row = await self._session.get(CronJobRow, job_id)
        return None if row is None else _job(row)

    async def add(self, owner_id: UUID, spec: JobSpec, next_run_at: datetime | None) -> Job:
        row = CronJobRow(owner_id=owner_id, next_run_at=next_run_at, **_spec_fields(spec))
        self._session.add(row)
        await self._session.flush()
        return _job(row)

    async def save(self, job: Job) -> Job:
        row = await self._session.get_one(CronJobRow, job.id)
        for name, value in _spec_fields(job).items():
            setattr(row, name, value)
        row.next_run_at = job.next_run_at
        await self._session.flush()
        return _job(row)

    async def delete(self, job_id: UUID) -> None:
        await self._rows.delete(job_id)

    async def count(self, owner_id: UUID) -> int:
        stmt = select(func.count()).select_from(CronJobRow).where(CronJobRow.owner_id == owner_id)
        return int(await self._session.scalar(stmt) or 0)

    async def page(self, owner_id: UUID, page: PageRequest) -> Page[Job]:
        rows, total = await self._rows.get_many_and_count(
            CronJobRow.owner_id == owner_id, LimitOffset(page.limit, page.offset), OrderBy("created_at", "asc")
        )
        return Page([_job(r) for r in rows], total, page.limit, page.offset)

    async def due(self, now: datetime, limit: int) -> list[Job]:
        stmt = (
            select(CronJobRow)
            .where(CronJobRow.is_active, CronJobRow.next_run_at <= now)
            .order_by(CronJobRow.next_run_at)
            .limit(limit)
        )
        return [_job(r) for r in (await self._session.scalars(stmt)).all()]

    async def advance(self, job_id: UUID, expected: datetime, next_run_at: datetime | None) -> bool:
        stmt = (
            update(CronJobRow)
            .where(CronJobRow.id == job_id, CronJobRow.next_run_at == expected, CronJobRow.is_active)
            .values(next_run_at=next_run_at)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(await self._session.execute(stmt), "rowcount", 0) or 0) == 1


def _spec_fields(spec: JobSpec | Job) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.type.value,
        "cron_expression": spec.cron_expression,
        "run_at": spec.run_at,
        "timezone": spec.timezone,
        "payload": spec.payload,
        "is_active": spec.is_active,
        "misfire_policy": spec.misfire_policy.value,
    }


class SqlRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _RunRows(session=session, auto_expunge=False, auto_refresh=False)

    async def get(self, run_id: UUID) -> Run | None:
        row = await self._session.get(JobRunRow, run_id)
        return None if row is None else _run(row)

    async def record(
        self, job: Job, occurrences: Sequence[Occurrence], trigger: Trigger, now: datetime, lease_until: datetime
    ) -> list[Run]:
        if not occurrences:
            return []
        values = [
            {
                "job_id": job.id,
                "owner_id": job.owner_id,
                "scheduled_for": o.scheduled_for,
                "trigger": trigger.value,
                "status": (RunStatus.MISSED if o.missed else RunStatus.PENDING).value,
                "attempts": 0,
                "delivery_attempts": 0,
                "finished_at": now if o.missed else None,
                "lease_until": None if o.missed else lease_until,
            }
            for o in occurrences
        ]
        stmt = (
            dialects.insert(self._session, JobRunRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=["job_id", "scheduled_for"])
            .returning(JobRunRow)
        )
        rows = (await self._session.scalars(stmt)).all()
        return sorted((_run(r) for r in rows), key=lambda r: r.scheduled_for)

    async def page(self, job_id: UUID, page: PageRequest) -> Page[Run]:
        rows, total = await self._rows.get_many_and_count(
            JobRunRow.job_id == job_id, LimitOffset(page.limit, page.offset), OrderBy("scheduled_for", "desc")
        )
        return Page([_run(r) for r in rows], total, page.limit, page.offset)

    async def claim(self, run_id: UUID, now: datetime, lease_until: datetime) -> Run | None:
        # One statement decides, so of two workers holding the same message only one gets the run.
        stmt = (
            update(JobRunRow)
            .where(
                JobRunRow.id == run_id,
                or_(
                    JobRunRow.status == RunStatus.PENDING.value,
                    and_(JobRunRow.status == RunStatus.RUNNING.value, JobRunRow.lease_until < now),
                ),
            )
            .values(
                status=RunStatus.RUNNING.value,
                attempts=JobRunRow.attempts + 1,
                started_at=func.coalesce(JobRunRow.started_at, now),
                lease_until=lease_until,
            )
            .returning(JobRunRow)
            .execution_options(synchronize_session=False)
        )
        row = (await self._session.scalars(stmt)).one_or_none()
        return None if row is None else _run(row)

    async def finish(self, run: Run) -> bool:
        stmt = (
            update(JobRunRow)
            .where(
                JobRunRow.id == run.id,
                JobRunRow.status == RunStatus.RUNNING.value,
                JobRunRow.attempts == run.attempts,
            )
            .values(
                status=run.status.value,
                finished_at=run.finished_at,
                lease_until=None,
                error=run.error,
                **_delivery_fields(run),
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(await self._session.execute(stmt), "rowcount", 0) or 0) == 1

    async def release_stale(self, now: datetime, lease_until: datetime, limit: int) -> list[UUID]:
        stale = select(JobRunRow.id).where(JobRunRow.status.in_(_LIVE), JobRunRow.lease_until < now).limit(limit)
        stmt = (
            update(JobRunRow)
            .where(JobRunRow.id.in_(stale), JobRunRow.status.in_(_LIVE), JobRunRow.lease_until < now)
            .values(status=RunStatus.PENDING.value, lease_until=lease_until)
            .returning(JobRunRow.id)
            .execution_options(synchronize_session=False)
        )
        return list((await self._session.scalars(stmt)).all())

    async def claim_deliveries(self, now: datetime, lease_until: datetime, limit: int) -> list[UUID]:
        due = (
            select(JobRunRow.id)
            .where(JobRunRow.delivery == Delivery.PENDING.value, JobRunRow.next_delivery_at <= now)
            .limit(limit)
        )
        stmt = (
            update(JobRunRow)
            .where(
                JobRunRow.id.in_(due),
                JobRunRow.delivery == Delivery.PENDING.value,
                JobRunRow.next_delivery_at <= now,
            )
            .values(next_delivery_at=lease_until)
            .returning(JobRunRow.id)
            .execution_options(synchronize_session=False)
        )
        return list((await self._session.scalars(stmt)).all())

    async def save_delivery(self, run: Run) -> None:
        stmt = (
            update(JobRunRow)
            .where(JobRunRow.id == run.id)
            .values(error=run.error, **_delivery_fields(run))
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(stmt)


def _delivery_fields(run: Run) -> dict[str, Any]:
    return {
        "delivery": None if run.delivery is None else run.delivery.value,
        "delivery_attempts": run.delivery_attempts,
        "next_delivery_at": run.next_delivery_at,
    }
