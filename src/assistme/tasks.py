"""Every task the workers run, registered on a broker by ``register_tasks``.

They are entry points that dishka injects, like controllers, so they live here rather than in
``adapters/taskiq`` (adapters may not import dishka). The worker registers them on its broker; the embedded
app registers them on its in-process broker, which runs each where it is sent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from uuid import UUID

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from assistme.adapters.taskiq.queue import DELIVER_RUN, DELIVER_WEBHOOK, EXECUTE_RUN, RUN_TASK
from assistme.core.conversations.task_runner import RunTask
from assistme.core.housekeeping.retention import PruneHistory
from assistme.core.identity.housekeeping import PurgeSessions
from assistme.core.scheduling.execute import DeliverRun, ExecuteRun
from assistme.core.webhooks.delivery import DeliverWebhook

log = logging.getLogger(__name__)

PURGE_SESSIONS = "identity.purge_sessions"
PRUNE_HISTORY = "housekeeping.prune_history"
HOURLY = "0 * * * *"  # cron, UTC
NIGHTLY = "17 3 * * *"  # cron, UTC: a quiet hour in Europe


def register_tasks(broker: AsyncBroker) -> None:
    # The `schedule` label is what the scheduler's LabelScheduleSource reads.
    @broker.task(task_name=PURGE_SESSIONS, schedule=[{"cron": HOURLY}])
    @inject(patch_module=True)
    async def purge_sessions(purge: FromDishka[PurgeSessions]) -> int:
        purged = await purge()
        log.info("expired and revoked sessions purged", extra={"purged": purged})
        return purged

    @broker.task(task_name=PRUNE_HISTORY, schedule=[{"cron": NIGHTLY}])
    @inject(patch_module=True)
    async def prune_history(prune: FromDishka[PruneHistory]) -> dict[str, int]:
        pruned = await prune()
        log.info("old history pruned", extra=dict(asdict(pruned)))
        return asdict(pruned)

    @broker.task(task_name=EXECUTE_RUN)
    @inject(patch_module=True)
    async def execute_run(run_id: str, execute: FromDishka[ExecuteRun]) -> str | None:
        status = await execute(UUID(run_id))
        if status is not None:
            log.info("job run finished", extra={"run_id": run_id, "status": status.value})
        return None if status is None else status.value

    @broker.task(task_name=DELIVER_RUN)
    @inject(patch_module=True)
    async def deliver_run(run_id: str, deliver: FromDishka[DeliverRun]) -> str | None:
        delivery = await deliver(UUID(run_id))
        return None if delivery is None else delivery.value

    @broker.task(task_name=RUN_TASK)
    @inject(patch_module=True)
    async def run_task(task_id: str, run: FromDishka[RunTask]) -> str | None:
        status = await run(UUID(task_id))
        if status is not None:
            log.info("agent task finished", extra={"task_id": task_id, "status": status.value})
        return None if status is None else status.value

    @broker.task(task_name=DELIVER_WEBHOOK)
    @inject(patch_module=True)
    async def deliver_webhook(delivery_id: str, attempt: int, deliver: FromDishka[DeliverWebhook]) -> str | None:
        status = await deliver(UUID(delivery_id), attempt)
        return None if status is None else status.value
