"""Jobs: owned by the person who makes them; another person's job answers exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from msgspec import UNSET, UnsetType

from assistme.core.assistants.ports import AssistantRepository
from assistme.core.identity.ports import UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.scheduling.entities import Job, JobSpec, JobType, MisfirePolicy
from assistme.core.scheduling.ports import JobRepository
from assistme.core.scheduling.rules import SchedulingPolicy, assistant_id, check_spec, next_fire
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, InvalidInput, NotFound
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork


async def owned_job(jobs: JobRepository, principal: Principal, job_id: UUID) -> Job:
    job = await jobs.get(job_id)
    if job is None or job.owner_id != principal.require_user():
        raise NotFound("no such job")
    return job


@dataclass(slots=True)
class JobChecks:
    """What a job may be, beyond its own fields: its zone defaults to the owner's, and a ``schedule`` job may
    only ask one of the owner's own assistants."""

    users: UserRepository
    assistants: AssistantRepository
    clock: Clock

    async def __call__(self, owner_id: UUID, spec: JobSpec, kept_run_at: datetime | None = None) -> JobSpec:
        if spec.timezone is None:
            owner = await self.users.get(owner_id)
            spec = replace(spec, timezone=owner.timezone if owner else "UTC")
        spec = check_spec(spec, self.clock.now(), kept_run_at)
        wanted = assistant_id(spec.payload) if spec.type is JobType.SCHEDULE else None
        if wanted is not None:
            assistant = await self.assistants.get(wanted)
            if assistant is None or assistant.owner_id != owner_id:
                raise InvalidInput.field("payload.assistant_id", "is not one of your assistants")
        return spec


@dataclass(slots=True)
class ListJobs:
    jobs: JobRepository

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[Job]:
        return await self.jobs.page(principal.require_user(), page)


@dataclass(slots=True)
class GetJob:
    jobs: JobRepository

    async def __call__(self, principal: Principal, job_id: UUID) -> Job:
        return await owned_job(self.jobs, principal, job_id)


@dataclass(slots=True)
class CreateJob:
    """A new job fires from its first occurrence after now; a person holds at most ``max_jobs_per_user``."""

    jobs: JobRepository
    checks: JobChecks
    uow: UnitOfWork
    clock: Clock
    policy: SchedulingPolicy

    async def __call__(self, principal: Principal, spec: JobSpec) -> Job:
        owner = principal.require_user()
        spec = await self.checks(owner, spec)
        if await self.jobs.count(owner) >= self.policy.max_jobs_per_user:
            raise Conflict(f"a person may have at most {self.policy.max_jobs_per_user} jobs: delete one first")
        job = await self.jobs.add(owner, spec, None)
        job.next_run_at = next_fire(job, self.clock.now())
        job = await self.jobs.save(job)
        await self.uow.commit()
        return job


@dataclass(frozen=True, slots=True)
class JobChanges:
    name: str | UnsetType = UNSET
    type: JobType | UnsetType = UNSET
    cron_expression: str | UnsetType | None = UNSET
    run_at: datetime | UnsetType | None = UNSET
    timezone: str | UnsetType = UNSET
    payload: dict[str, Any] | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    misfire_policy: MisfirePolicy | UnsetType = UNSET

    def over(self, job: Job) -> JobSpec:
        """The whole job as it would be: a partial change is checked like a full one."""
        cron, run_at = self.cron_expression, self.run_at
        if cron is not UNSET and cron is not None and run_at is UNSET:
            run_at = None  # switching a one-off to a cron schedule
        if run_at is not UNSET and run_at is not None and cron is UNSET:
            cron = None
        return JobSpec(
            name=self._pick(job, "name"),
            type=self._pick(job, "type"),
            cron_expression=job.cron_expression if cron is UNSET else cron,
            run_at=job.run_at if run_at is UNSET else run_at,
            timezone=self._pick(job, "timezone"),
            payload=self._pick(job, "payload"),
            is_active=self._pick(job, "is_active"),
            misfire_policy=self._pick(job, "misfire_policy"),
        )

    def _pick(self, job: Job, name: str) -> Any:
        given = getattr(self, name)
        return getattr(job, name) if given is UNSET else given


@dataclass(slots=True)
class UpdateJob:
    """PATCH and PUT: the job that results is checked whole. Its next fire time is counted afresh from now, so
    a new schedule takes effect at once and a paused job resumes without running what it skipped. A one-off
    that already ran keeps its past ``run_at`` unless the change gives a new one."""

    jobs: JobRepository
    checks: JobChecks
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, job_id: UUID, change: JobChanges | JobSpec) -> Job:
        job = await owned_job(self.jobs, principal, job_id)
        spec = change.over(job) if isinstance(change, JobChanges) else change
        spec = await self.checks(job.owner_id, spec, kept_run_at=job.run_at)
        for name in JobSpec.__dataclass_fields__:
            setattr(job, name, getattr(spec, name))
        job.next_run_at = next_fire(job, self.clock.now())
        job = await self.jobs.save(job)
        await self.uow.commit()
        return job


@dataclass(slots=True)
class DeleteJob:
    """The job and its history go; a run already queued finds nothing and does nothing."""

    jobs: JobRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, job_id: UUID) -> None:
        job = await owned_job(self.jobs, principal, job_id)
        await self.jobs.delete(job.id)
        await self.uow.commit()
