"""RunQueue over a taskiq broker: a message names a run; the run itself lives in the database."""

from __future__ import annotations

from uuid import UUID

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

EXECUTE_RUN = "scheduling.execute_run"
DELIVER_RUN = "scheduling.deliver_run"


class TaskiqRunQueue:
    """Sends by task name, so the API process needs no task functions, only the broker."""

    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    async def execute(self, run_id: UUID) -> None:
        await self._send(EXECUTE_RUN, run_id)

    async def deliver(self, run_id: UUID) -> None:
        await self._send(DELIVER_RUN, run_id)

    async def _send(self, task_name: str, run_id: UUID) -> None:
        kicker: AsyncKicker[[str], object] = AsyncKicker(task_name, self._broker, {})
        await kicker.kiq(str(run_id))
