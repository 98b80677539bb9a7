"""Driving the scheduler by hand: a queue that only records, and the scheduler's and worker's steps run
on a test's own clock, against the same database as the app under test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import httpx
from dishka import AsyncContainer, Provider, Scope, provide

from assistme.config import Settings
from assistme.core.conversations.ports import TaskQueue
from assistme.core.conversations.task_runner import RunTask, SweepTasks
from assistme.core.scheduling.dispatch import DispatchDueRuns, SweepRuns
from assistme.core.scheduling.execute import DeliverRun, ExecuteRun
from assistme.core.scheduling.ports import RunQueue
from assistme.core.webhooks.delivery import DeliverWebhook, DispatchWebhooks
from assistme.core.webhooks.ports import WebhookQueue
from assistme.ioc import make_container
from tests.support.clock import MovableClock, clock_provider
from tests.support.http import loopback_client

T = TypeVar("T")


@dataclass
class RecordingQueue:
    """Keeps what would go to the workers, so a test decides when (and whether) it runs."""

    executions: list[UUID] = field(default_factory=list)
    deliveries: list[UUID] = field(default_factory=list)
    tasks: list[UUID] = field(default_factory=list)
    webhooks: list[tuple[UUID, int]] = field(default_factory=list)

    async def execute(self, run_id: UUID) -> None:
        self.executions.append(run_id)

    async def deliver(self, run_id: UUID) -> None:
        self.deliveries.append(run_id)

    async def run(self, task_id: UUID) -> None:
        self.tasks.append(task_id)

    async def send(self, delivery_id: UUID, attempt: int) -> None:
        self.webhooks.append((delivery_id, attempt))


class Offline(Provider):
    """Test doubles for the outside: the recording queue (runs, tasks, webhooks), and an HTTP client that reaches only
    127.0.0.1."""

    def __init__(self, queue: RecordingQueue) -> None:
        super().__init__(scope=Scope.APP)
        self._queue = queue

    @provide
    def run_queue(self) -> RunQueue:
        return self._queue

    @provide
    def task_queue(self) -> TaskQueue:
        return self._queue

    @provide
    def webhook_queue(self) -> WebhookQueue:
        return self._queue

    @provide
    async def http_client(self) -> AsyncIterator[httpx.AsyncClient]:
        async with loopback_client() as client:
            yield client


@dataclass
class Hands:
    """The scheduler's and a worker's steps, one call each."""

    container: AsyncContainer
    queue: RecordingQueue
    clock: MovableClock

    async def call(self, use_case: type[Any], *args: Any) -> Any:
        async with self.container() as scope:
            return await (await scope.get(use_case))(*args)

    async def dispatch(self) -> int:
        return int(await self.call(DispatchDueRuns))

    async def sweep(self) -> tuple[int, int]:
        stale, deliveries = await self.call(SweepRuns)
        return int(stale), int(deliveries)

    async def sweep_tasks(self) -> int:
        return int(await self.call(SweepTasks))

    async def dispatch_webhooks(self) -> int:
        return int(await self.call(DispatchWebhooks))

    async def send_webhooks(self) -> list[Any]:
        """Make every queued webhook attempt, as a worker would, and empty their queue."""
        queued, self.queue.webhooks[:] = list(self.queue.webhooks), []
        return [await self.call(DeliverWebhook, delivery_id, attempt) for delivery_id, attempt in queued]

    async def work(self) -> list[Any]:
        """Run everything queued so far, as a worker would, and empty the queue."""
        done = [await self.call(ExecuteRun, run_id) for run_id in self.queue.executions]
        done += [await self.call(DeliverRun, run_id) for run_id in self.queue.deliveries]
        self.queue.executions.clear()
        self.queue.deliveries.clear()
        return done

    async def run_tasks(self) -> list[Any]:
        """Run the agent tasks queued so far, as a worker would, and empty their queue."""
        queued, self.queue.tasks[:] = list(self.queue.tasks), []
        return [await self.call(RunTask, task_id) for task_id in queued]


@asynccontextmanager
async def hands(
    settings: Settings, clock: MovableClock, queue: RecordingQueue, *more: Provider
) -> AsyncIterator[Hands]:
    container = make_container(settings, clock_provider(clock), Offline(queue), *more)
    try:
        yield Hands(container, queue, clock)
    finally:
        await container.close()
