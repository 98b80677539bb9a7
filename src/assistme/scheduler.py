"""The Taskiq scheduler: ``taskiq scheduler assistme.scheduler:scheduler``.

Two kinds of schedule run here. Fixed housekeeping (the session purge) comes from the tasks' ``schedule``
labels through taskiq's own loop. People's jobs come from the database through ``DueWorkLoop``, started
with the scheduler: it polls every ``ASSISTME_SCHEDULER_POLL_INTERVAL`` seconds, so an edit through the
API takes effect at once, and it records each occurrence once however many schedulers run.
"""

from __future__ import annotations

from taskiq import AsyncBroker, ScheduleSource, TaskiqScheduler
from taskiq.schedule_sources import LabelScheduleSource

from assistme.due_work import DueWorkLoop
from assistme.worker import Worker, worker


class DueWorkScheduler(TaskiqScheduler):
    def __init__(self, broker: AsyncBroker, sources: list[ScheduleSource], due_work: DueWorkLoop) -> None:
        super().__init__(broker, sources)
        self.due_work = due_work

    async def startup(self) -> None:
        await super().startup()
        await self.due_work.start()

    async def shutdown(self) -> None:
        await self.due_work.stop()
        await super().shutdown()


def build_scheduler(wired: Worker) -> DueWorkScheduler:
    settings = wired.settings
    due_work = DueWorkLoop(wired.container, settings.scheduler_poll_interval, settings.scheduler_sweep_interval)
    return DueWorkScheduler(wired.broker, [LabelScheduleSource(wired.broker)], due_work)


scheduler = build_scheduler(worker)
