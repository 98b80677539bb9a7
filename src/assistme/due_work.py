"""The scheduler loop: every ``poll`` seconds record and queue what has fallen due (runs, webhook deliveries),
every ``sweep`` seconds hand back the runs and agent tasks that dead workers left. It runs in the scheduler
process (served) or in the API process (embedded); any number of them may run at once, because the database
decides who records what."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from dishka import AsyncContainer

from assistme.core.conversations.task_runner import SweepTasks
from assistme.core.scheduling.dispatch import DispatchDueRuns, SweepRuns
from assistme.core.webhooks.delivery import DispatchWebhooks

log = logging.getLogger(__name__)


class DueWorkLoop:
    def __init__(self, container: AsyncContainer, poll: float, sweep: float) -> None:
        self._container = container
        self._poll = poll
        self._sweep = sweep
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="assistme-due-work")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        while True:
            started = loop.time()
            await self._pass(DispatchDueRuns, "dispatch")
            await self._pass(DispatchWebhooks, "dispatch webhooks")
            if started >= next_sweep:
                await self._pass(SweepRuns, "sweep")
                await self._pass(SweepTasks, "sweep tasks")
                next_sweep = started + self._sweep
            await asyncio.sleep(max(0.0, self._poll - (loop.time() - started)))

    async def _pass(self, use_case: type[Callable[[], Awaitable[Any]]], name: str) -> None:
        # One failing pass (the database restarting, Redis away) must not end the loop: the next one retries.
        try:
            async with self._container() as scope:
                await (await scope.get(use_case))()
        except Exception:
            log.exception("scheduler pass failed", extra={"pass": name})
