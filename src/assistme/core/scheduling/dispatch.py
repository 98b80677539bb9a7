"""The scheduler's two passes: record what has fallen due, and hand back what a dead worker left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from assistme.core.scheduling.entities import RunStatus, Trigger
from assistme.core.scheduling.ports import JobRepository, RunQueue, RunRepository
from assistme.core.scheduling.rules import SchedulingPolicy, plan
from assistme.core.shared.clock import Clock
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class DispatchDueRuns:
    """Record a run for every occurrence that has come, once, and queue it.

    Each job's ``next_run_at`` is moved on with a compare-and-set, so of two schedulers passing at once only
    one records the occurrences it passed; the unique ``(job_id, scheduled_for)`` key stops any second
    record all the same. A run is committed before it is queued: a message lost on the way is found again
    by ``SweepRuns`` when its lease runs out. Answers how many runs were queued.
    """

    jobs: JobRepository
    runs: RunRepository
    queue: RunQueue
    uow: UnitOfWork
    clock: Clock
    policy: SchedulingPolicy

    async def __call__(self) -> int:
        now = self.clock.now()
        grace = timedelta(seconds=self.policy.misfire_grace)
        lease = now + timedelta(seconds=self.policy.lease_seconds)
        queued = 0
        for job in await self.jobs.due(now, self.policy.batch):
            assert job.next_run_at is not None
            occurrences, following = plan(job, now, grace)
            if not await self.jobs.advance(job.id, job.next_run_at, following):
                await self.uow.rollback()
                continue
            recorded = await self.runs.record(job, occurrences, Trigger.SCHEDULE, now, lease)
            await self.uow.commit()
            for run in recorded:
                if run.status is RunStatus.PENDING:
                    await self.queue.execute(run.id)
                    queued += 1
        return queued


@dataclass(slots=True)
class SweepRuns:
    """Queue again the runs whose lease ran out (a worker died, or the message never arrived), and the
    Telegram deliveries whose retry is due. Answers how many of each."""

    runs: RunRepository
    queue: RunQueue
    uow: UnitOfWork
    clock: Clock
    policy: SchedulingPolicy

    async def __call__(self) -> tuple[int, int]:
        now = self.clock.now()
        lease = now + timedelta(seconds=self.policy.lease_seconds)
        stale = await self.runs.release_stale(now, lease, self.policy.batch)
        deliveries = await self.runs.claim_deliveries(now, lease, self.policy.batch)
        await self.uow.commit()
        for run_id in stale:
            await self.queue.execute(run_id)
        for run_id in deliveries:
            await self.queue.deliver(run_id)
        return len(stale), len(deliveries)
