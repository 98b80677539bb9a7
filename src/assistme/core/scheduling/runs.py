"""A job's history, its coming fire times, and running it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from assistme.core.identity.principal import Principal
from assistme.core.scheduling.entities import Occurrence, Run, Trigger
from assistme.core.scheduling.jobs import owned_job
from assistme.core.scheduling.ports import JobRepository, RunQueue, RunRepository
from assistme.core.scheduling.rules import SchedulingPolicy, cron_of
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import InvalidInput
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork

MAX_PREVIEW = 50


@dataclass(slots=True)
class ListRuns:
    jobs: JobRepository
    runs: RunRepository

    async def __call__(self, principal: Principal, job_id: UUID, page: PageRequest) -> Page[Run]:
        job = await owned_job(self.jobs, principal, job_id)
        return await self.runs.page(job.id, page)


@dataclass(slots=True)
class PreviewRuns:
    """The next ``n`` fire times after ``start`` (default now), whether or not the job is active."""

    jobs: JobRepository
    clock: Clock

    async def __call__(self, principal: Principal, job_id: UUID, n: int, start: datetime | None) -> list[datetime]:
        if not 1 <= n <= MAX_PREVIEW:
            raise InvalidInput.field("n", f"must be between 1 and {MAX_PREVIEW}")
        if start is not None and start.utcoffset() is None:
            raise InvalidInput.field("from", "needs a UTC offset, like 2026-05-01T09:00:00Z")
        job = await owned_job(self.jobs, principal, job_id)
        after = start or self.clock.now()
        schedule = cron_of(job)
        if schedule is not None:
            return schedule.upcoming(after, n)
        return [job.run_at] if job.run_at is not None and job.run_at > after else []


@dataclass(slots=True)
class RunJobNow:
    """A ``manual`` run of the job at this instant, queued for a worker; paused jobs can be run too."""

    jobs: JobRepository
    runs: RunRepository
    queue: RunQueue
    uow: UnitOfWork
    clock: Clock
    policy: SchedulingPolicy

    async def __call__(self, principal: Principal, job_id: UUID) -> Run:
        job = await owned_job(self.jobs, principal, job_id)
        now = self.clock.now()
        lease = now + timedelta(seconds=self.policy.lease_seconds)
        (run,) = await self.runs.record(job, [Occurrence(now)], Trigger.MANUAL, now, lease)
        await self.uow.commit()
        await self.queue.execute(run.id)
        return run
