"""The bridge from scheduling: a `schedule` job's run queues an agent task, whose outcome reaches the inbox."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.conversations.entities import AgentTask, TaskSpec, TaskStatus
from assistme.core.conversations.tasks import EnqueueTask
from assistme.core.identity.ports import UserRepository
from assistme.core.scheduling.entities import Delivery, Job, Run
from assistme.core.scheduling.ports import NotificationRepository, RunRepository, TelegramSender
from assistme.core.scheduling.rules import assistant_id
from assistme.core.shared.clock import Clock


@dataclass(slots=True)
class SubmitJobTask:
    """scheduling's ``JobTasks``: the job's prompt for the job's assistant (or the owner's secretary)."""

    enqueue: EnqueueTask

    async def submit(self, job: Job, run: Run) -> None:
        spec = TaskSpec(job.name, str(job.payload["prompt"]), assistant_id(job.payload), job.id, run.id)
        await self.enqueue(job.owner_id, spec)


@dataclass(slots=True)
class ReportJobTask:
    """conversations' ``TaskOutcomes``: a job's task leaves its answer (or why it failed) in the owner's inbox,
    as the run's entry, and Telegram carries it through the run's delivery retries when a chat is linked. Writes
    within the caller's transaction, so the outcome and its report commit together."""

    notifications: NotificationRepository
    runs: RunRepository
    users: UserRepository
    telegram: TelegramSender
    clock: Clock

    async def finished(self, task: AgentTask) -> None:
        if task.run_id is None:
            return
        now = self.clock.now()
        body = task.result if task.status is TaskStatus.COMPLETED else f"The task failed: {task.error}"
        await self.notifications.for_run(task.owner_id, task.run_id, task.title, body or "(no answer)", now)
        run, owner = await self.runs.get(task.run_id), await self.users.get(task.owner_id)
        if run is not None and owner is not None and owner.telegram_chat_id is not None and self.telegram.enabled:
            run.delivery, run.next_delivery_at = Delivery.PENDING, now  # the sweep hands it to DeliverRun
            await self.runs.save_delivery(run)
