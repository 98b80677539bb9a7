"""What a worker does with a run: the inbox entry first, then the Telegram message, retried until it lands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from assistme.core.identity.ports import UserRepository
from assistme.core.scheduling.entities import Delivery, Job, JobType, Run, RunStatus
from assistme.core.scheduling.ports import (
    DeliveryFailed,
    JobRepository,
    JobTasks,
    NotificationRepository,
    RunRepository,
    TelegramSender,
)
from assistme.core.scheduling.rules import SchedulingPolicy
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import DomainError
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import Events


@dataclass(slots=True)
class Courier:
    """One Telegram attempt for a run, its outcome written on the run: sent, or retried after the policy's
    next backoff (or Telegram's own Retry-After, when longer), or given up."""

    telegram: TelegramSender
    policy: SchedulingPolicy

    async def attempt(self, run: Run, chat_id: int, text: str, now: datetime) -> None:
        run.delivery_attempts += 1
        try:
            await self.telegram.send_message(chat_id, text)
        except DeliveryFailed as failure:
            run.error = f"telegram delivery failed (attempt {run.delivery_attempts}): {failure.reason}"
            backoff = self.policy.delivery_backoff
            if failure.permanent or run.delivery_attempts > len(backoff):
                run.delivery, run.next_delivery_at = Delivery.FAILED, None
                return
            delay = max(backoff[run.delivery_attempts - 1], failure.retry_after or 0)
            run.delivery, run.next_delivery_at = Delivery.PENDING, now + timedelta(seconds=delay)
        else:
            run.delivery, run.next_delivery_at, run.error = Delivery.SENT, None, None


def reminder_data(job: Job, run: Run) -> dict[str, object]:
    return {
        "job_id": str(job.id),
        "run_id": str(run.id),
        "name": job.name,
        "message": job.payload.get("message"),
        "scheduled_for": run.scheduled_for.isoformat(),
    }


def telegram_text(title: str, body: str) -> str:
    return body if body == title else f"{title}\n\n{body}"


@dataclass(slots=True)
class ExecuteRun:
    """Run one occurrence. The claim is atomic, so a redelivered message or a second worker finds nothing to
    do; a worker that dies mid-run leaves its lease to run out, and the one the sweeper hands the run to next
    finds the inbox entry already there (one per run). Telegram hears of it at least once. A `schedule` run
    succeeds once its agent task (one per run) is queued; the task tells the inbox what came of it."""

    runs: RunRepository
    jobs: JobRepository
    users: UserRepository
    notifications: NotificationRepository
    courier: Courier
    job_tasks: JobTasks
    events: Events
    uow: UnitOfWork
    clock: Clock
    policy: SchedulingPolicy

    async def __call__(self, run_id: UUID) -> RunStatus | None:
        now = self.clock.now()
        run = await self.runs.claim(run_id, now, now + timedelta(seconds=self.policy.lease_seconds))
        await self.uow.commit()
        job = None if run is None else await self.jobs.get(run.job_id)
        if run is None or job is None:
            return None  # done, taken, or deleted with its job
        if run.attempts > self.policy.max_run_attempts:
            run.status, run.error = RunStatus.FAILED, f"the worker stopped during each of {run.attempts - 1} attempts"
        elif job.type is JobType.SCHEDULE:
            try:
                await self.job_tasks.submit(job, run)  # the task reports to the inbox when it is done
                run.status = RunStatus.SUCCEEDED
            except DomainError as refused:
                await self.uow.rollback()
                run.status, run.error = RunStatus.FAILED, refused.detail
        else:
            await self._notify(job, run)
            run.status = RunStatus.SUCCEEDED
        run.finished_at = self.clock.now()
        if await self.runs.finish(run) and job.type is JobType.NOTIFICATION and run.status is RunStatus.SUCCEEDED:
            await self.events.emit(job.owner_id, "reminder.fired", reminder_data(job, run))
        await self.uow.commit()
        return run.status

    async def _notify(self, job: Job, run: Run) -> None:
        body = str(job.payload["message"])
        await self.notifications.for_run(job.owner_id, run.id, job.name, body, self.clock.now())
        await self.uow.commit()  # the inbox entry stands whatever happens to Telegram
        owner = await self.users.get(job.owner_id)
        chat = None if owner is None else owner.telegram_chat_id
        if chat is not None and self.courier.telegram.enabled:
            await self.courier.attempt(run, chat, telegram_text(job.name, body), self.clock.now())


@dataclass(slots=True)
class DeliverRun:
    """A Telegram retry of a run's notification, with the inbox entry's words; nothing when it has landed,
    or when the person unlinked their chat since."""

    runs: RunRepository
    users: UserRepository
    notifications: NotificationRepository
    courier: Courier
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, run_id: UUID) -> Delivery | None:
        run = await self.runs.get(run_id)
        if run is None or run.delivery is not Delivery.PENDING:
            return None
        owner = await self.users.get(run.owner_id)
        entry = await self.notifications.by_run(run.id)
        if owner is None or owner.telegram_chat_id is None or entry is None:
            run.delivery, run.next_delivery_at, run.error = Delivery.FAILED, None, "telegram chat no longer linked"
        else:
            text = telegram_text(entry.title, entry.body)
            await self.courier.attempt(run, owner.telegram_chat_id, text, self.clock.now())
        await self.runs.save_delivery(run)
        await self.uow.commit()
        return run.delivery
