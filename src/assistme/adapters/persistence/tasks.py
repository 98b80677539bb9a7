"""Agent tasks. Every step two workers may race on is one conditional statement."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence import dialects
from assistme.adapters.persistence.models import AgentTaskRow
from assistme.core.conversations.entities import AgentTask, TaskSpec, TaskStatus
from assistme.core.shared.pagination import Page, PageRequest

_LIVE = (TaskStatus.PENDING.value, TaskStatus.PROCESSING.value)


class _TaskRows(SQLAlchemyAsyncRepository[AgentTaskRow]):
    model_type = AgentTaskRow


def _task(row: AgentTaskRow) -> AgentTask:
    return AgentTask(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        description=row.description,
        assistant_id=row.assistant_id,
        status=TaskStatus(row.status),
        created_at=row.created_at,
        attempts=row.attempts,
        started_at=row.started_at,
        finished_at=row.finished_at,
        result=row.result,
        error=row.error,
        tool_calls=list(row.tool_calls or []),
        job_id=row.job_id,
        run_id=row.run_id,
    )


class SqlTaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _TaskRows(session=session, auto_expunge=False, auto_refresh=False)

    async def add(self, owner_id: UUID, spec: TaskSpec, now: datetime, lease_until: datetime) -> AgentTask:
        values = {
            "owner_id": owner_id,
            "title": spec.title,
            "description": spec.description,
            "assistant_id": spec.assistant_id,
            "status": TaskStatus.PENDING.value,
            "attempts": 0,
            "lease_until": lease_until,
            "tool_calls": [],
            "job_id": spec.job_id,
            "run_id": spec.run_id,
        }
        insert = dialects.insert(self._session, AgentTaskRow).values(values)
        if spec.run_id is not None:
            insert = insert.on_conflict_do_nothing(index_elements=["run_id"])
        row = (await self._session.scalars(insert.returning(AgentTaskRow))).one_or_none()
        if row is None:  # the run's task exists: an earlier attempt at the run queued it
            row = (await self._session.scalars(select(AgentTaskRow).where(AgentTaskRow.run_id == spec.run_id))).one()
        return _task(row)

    async def get(self, task_id: UUID) -> AgentTask | None:
        row = await self._session.get(AgentTaskRow, task_id)
        return None if row is None else _task(row)

    async def page(self, owner_id: UUID, status: TaskStatus | None, page: PageRequest) -> Page[AgentTask]:
        filters = [AgentTaskRow.owner_id == owner_id]
        if status is not None:
            filters.append(AgentTaskRow.status == status.value)
        rows, total = await self._rows.get_many_and_count(
            *filters, LimitOffset(page.limit, page.offset), OrderBy("id", "desc")
        )
        return Page([_task(r) for r in rows], total, page.limit, page.offset)

    async def claim(self, task_id: UUID, now: datetime, lease_until: datetime) -> AgentTask | None:
        stmt = (
            update(AgentTaskRow)
            .where(
                AgentTaskRow.id == task_id,
                or_(
                    AgentTaskRow.status == TaskStatus.PENDING.value,
                    and_(AgentTaskRow.status == TaskStatus.PROCESSING.value, AgentTaskRow.lease_until < now),
                ),
            )
            .values(
                status=TaskStatus.PROCESSING.value,
                attempts=AgentTaskRow.attempts + 1,
                started_at=func.coalesce(AgentTaskRow.started_at, now),
                lease_until=lease_until,
            )
            .returning(AgentTaskRow)
            .execution_options(synchronize_session=False)
        )
        row = (await self._session.scalars(stmt)).one_or_none()
        return None if row is None else _task(row)

    async def progress(self, task: AgentTask, lease_until: datetime) -> bool:
        return await self._held(task, tool_calls=task.tool_calls, lease_until=lease_until)

    async def finish(self, task: AgentTask) -> bool:
        return await self._held(
            task,
            status=task.status.value,
            finished_at=task.finished_at,
            lease_until=None,
            result=task.result,
            error=task.error,
            tool_calls=task.tool_calls,
        )

    async def _held(self, task: AgentTask, **values: object) -> bool:
        """Write ``values`` only while the attempt that counted ``task.attempts`` still holds the task."""
        stmt = (
            update(AgentTaskRow)
            .where(
                AgentTaskRow.id == task.id,
                AgentTaskRow.status == TaskStatus.PROCESSING.value,
                AgentTaskRow.attempts == task.attempts,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(await self._session.execute(stmt), "rowcount", 0) or 0) == 1

    async def release_stale(self, now: datetime, lease_until: datetime, limit: int) -> list[UUID]:
        stale = (
            select(AgentTaskRow.id).where(AgentTaskRow.status.in_(_LIVE), AgentTaskRow.lease_until < now).limit(limit)
        )
        stmt = (
            update(AgentTaskRow)
            .where(AgentTaskRow.id.in_(stale), AgentTaskRow.status.in_(_LIVE), AgentTaskRow.lease_until < now)
            .values(status=TaskStatus.PENDING.value, lease_until=lease_until)
            .returning(AgentTaskRow.id)
            .execution_options(synchronize_session=False)
        )
        return list((await self._session.scalars(stmt)).all())
