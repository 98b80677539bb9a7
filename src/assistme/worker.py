"""The Taskiq broker with every task on it: ``taskiq worker assistme.worker:broker``.

``build_worker(settings)`` makes the broker (adapters/taskiq), registers the tasks (``assistme.tasks``) and
wires dishka, so a test builds one for its own settings; the module-level ``broker`` is built from the
environment. ``assistme.scheduler`` imports ``worker`` from here, so the worker and the scheduler see the same
tasks and settings; nothing imports this module back (keep assistme.ioc from importing it).
"""

from __future__ import annotations

from dataclasses import dataclass

from dishka import AsyncContainer
from dishka.integrations.taskiq import TaskiqProvider, setup_dishka
from taskiq import AsyncBroker, TaskiqEvents, TaskiqState

from assistme.adapters.taskiq.broker import make_broker
from assistme.config import Settings, load_settings
from assistme.ioc import Queueing, make_container
from assistme.logs import configure_logging
from assistme.tasks import register_tasks


@dataclass(frozen=True, slots=True)
class Worker:
    settings: Settings
    broker: AsyncBroker
    container: AsyncContainer


def build_worker(settings: Settings) -> Worker:
    """A broker for ``settings`` with its tasks registered and dishka wired; its container closes with it."""
    configure_logging(settings.log_level)
    broker = make_broker(settings.redis_url, settings.redis_key_prefix)
    register_tasks(broker)
    container = make_container(settings, TaskiqProvider(), Queueing(broker))
    setup_dishka(container, broker)

    async def close_container(_state: TaskiqState) -> None:
        await container.close()

    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, close_container)
    return Worker(settings, broker, container)


worker = build_worker(load_settings())
broker = worker.broker
