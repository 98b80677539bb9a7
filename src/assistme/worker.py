"""The Taskiq broker with every task on it: ``taskiq worker assistme.worker:broker``.

Shape: ``build_broker(settings)`` makes the broker (adapters/taskiq), registers the tasks on it and wires
dishka, so a test builds one for its own settings; the module-level ``broker`` is built from the
environment. ``assistme.scheduler`` imports ``broker`` from here, so the worker and the scheduler see the
same tasks, and nothing imports this module back (no cycle: keep ioc.py from importing it). The tasks
are defined here rather than in ``adapters/taskiq``: like controllers, they are entry points that dishka
injects, and adapters may not import dishka (pyproject's import-linter contracts).
"""

from __future__ import annotations

import logging

from dishka.integrations.taskiq import FromDishka, TaskiqProvider, inject, setup_dishka
from taskiq import AsyncBroker, TaskiqEvents, TaskiqState

from assistme.adapters.taskiq.broker import make_broker
from assistme.config import Settings, load_settings
from assistme.core.identity.housekeeping import PurgeSessions
from assistme.ioc import make_container
from assistme.logs import configure_logging

log = logging.getLogger(__name__)

PURGE_SESSIONS = "identity.purge_sessions"
HOURLY = "0 * * * *"  # cron, UTC


def build_broker(settings: Settings) -> AsyncBroker:
    """A broker for ``settings`` with its tasks registered and dishka wired (tests build their own)."""
    configure_logging(settings.log_level)
    broker = make_broker(settings.redis_url, settings.redis_key_prefix)
    _register_tasks(broker)
    container = make_container(settings, TaskiqProvider())
    setup_dishka(container, broker)

    async def close_container(_state: TaskiqState) -> None:
        await container.close()

    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, close_container)
    return broker


def _register_tasks(broker: AsyncBroker) -> None:
    # The `schedule` label is what the scheduler's LabelScheduleSource reads.
    @broker.task(task_name=PURGE_SESSIONS, schedule=[{"cron": HOURLY}])
    @inject(patch_module=True)
    async def purge_sessions(purge: FromDishka[PurgeSessions]) -> int:
        purged = await purge()
        log.info("expired and revoked sessions purged", extra={"purged": purged})
        return purged


broker = build_broker(load_settings())
