"""The queues over a taskiq broker: a message names a run, a task or a delivery; what it names lives in the
database."""

from __future__ import annotations

from uuid import UUID

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

EXECUTE_RUN = "scheduling.execute_run"
DELIVER_RUN = "scheduling.deliver_run"
RUN_TASK = "conversations.run_task"
DELIVER_WEBHOOK = "webhooks.deliver"


async def send(broker: AsyncBroker, task_name: str, item_id: UUID) -> None:
    """By task name, so the API process needs no task functions, only the broker."""
    kicker: AsyncKicker[[str], object] = AsyncKicker(task_name, broker, {})
    await kicker.kiq(str(item_id))


class TaskiqRunQueue:
    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    async def execute(self, run_id: UUID) -> None:
        await send(self._broker, EXECUTE_RUN, run_id)

    async def deliver(self, run_id: UUID) -> None:
        await send(self._broker, DELIVER_RUN, run_id)


class TaskiqTaskQueue:
    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    async def run(self, task_id: UUID) -> None:
        await send(self._broker, RUN_TASK, task_id)


class TaskiqWebhookQueue:
    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    async def send(self, delivery_id: UUID, attempt: int) -> None:
        kicker: AsyncKicker[[str, int], object] = AsyncKicker(DELIVER_WEBHOOK, self._broker, {})
        await kicker.kiq(str(delivery_id), attempt)
