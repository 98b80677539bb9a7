"""Every task the workers run, registered on a broker by ``register_tasks``.

They are entry points that dishka injects, like controllers, so they live here rather than in
``adapters/taskiq`` (adapters may not import dishka). The worker registers them on its broker; the embedded
app registers them on its in-process broker, which runs each where it is sent.
"""

from __future__ import annotations

import logging
from uuid import UUID

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from assistme.adapters.taskiq.queue import DELIVER_RUN, EXECUTE_RUN
from assistme.core.identity.housekeeping import PurgeSessions
from assistme.core.scheduling.execute import DeliverRun, ExecuteRun

log = logging.getLogger(__name__)

PURGE_SESSIONS = "identity.purge_sessions"
HOURLY = "0 * * * *"  # cron, UTC


def register_tasks(broker: AsyncBroker) -> None:
    # The `schedule` label is what the scheduler's LabelScheduleSource reads.
    @broker.task(task_name=PURGE_SESSIONS, schedule=[{"cron": HOURLY}])
    @inject(patch_module=True)
    async def purge_sessions(purge: FromDishka[PurgeSessions]) -> int:
        purged = await purge()
        log.info("expired and revoked sessions purged", extra={"purged": purged})
        return purged

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
