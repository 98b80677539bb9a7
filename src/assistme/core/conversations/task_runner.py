"""What a worker does with an agent task, and the sweep that hands back what a dead worker left."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from assistme.core.assistants.ports import AssistantRepository
from assistme.core.conversations.agent import AgentLoop, Listener, Step
from assistme.core.conversations.entities import AgentTask, TaskStatus
from assistme.core.conversations.model import Turn
from assistme.core.conversations.policy import AgentPolicy
from assistme.core.conversations.ports import TaskOutcomes, TaskQueue, TaskRepository
from assistme.core.conversations.toolbox import Caller
from assistme.core.identity.ports import UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, DomainError, StoreUnavailable
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import Events

SWEEP_BATCH = 100
CRASHED = "the task stopped on an error on our side"

log = logging.getLogger(__name__)


class Superseded(Exception):
    """Another attempt claimed the task while this one worked (this worker was thought dead): it stops."""


def tool_log(step: Step) -> list[dict[str, object]]:
    """The step's tool calls as the task keeps them: arguments and output already have secrets masked."""
    return [
        {"id": o.call.id, "name": o.call.name, "arguments": o.call.arguments, "output": json.loads(o.content)}
        for o in step.outcomes
    ]


def task_data(task: AgentTask) -> dict[str, object]:
    data: dict[str, object] = {"task_id": str(task.id), "title": task.title, "status": task.status.value}
    if task.job_id is not None:
        data["job_id"] = str(task.job_id)
    return data | ({"result": task.result} if task.status is TaskStatus.COMPLETED else {"error": task.error})


@dataclass(slots=True)
class RunTask:
    """Run one task. The claim is atomic, so a redelivered message or a second worker finds nothing to do; each
    model call (a sub-assistant's too) and each step extend the lease, so a live worker keeps its task, and a dead
    one's task goes back to the queue when the lease runs out. Only the attempt that holds the task writes the
    outcome, and the owner hears of it once. A failing model fails the task with the reason (a failing tool is an
    answer the model reads), and so does an error nobody foresaw, at once: run again, it would repeat the tools'
    effects and most likely fail the same way. A worker that dies, or loses the database, is retried up to the
    attempt limit."""

    tasks: TaskRepository
    users: UserRepository
    assistants: AssistantRepository
    agent: AgentLoop
    outcomes: TaskOutcomes
    events: Events
    policy: AgentPolicy
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, task_id: UUID) -> TaskStatus | None:
        task = await self.tasks.claim(task_id, self.clock.now(), self._lease())
        await self.uow.commit()
        if task is None:
            return None
        if task.attempts > self.policy.task_max_attempts:
            task.status, task.error = (
                TaskStatus.FAILED,
                f"the worker stopped during each of {task.attempts - 1} attempts",
            )
        else:
            try:
                task.result, task.status = await self._work(task), TaskStatus.COMPLETED
            except Superseded:
                await self.uow.rollback()
                return None
            except StoreUnavailable:  # no outcome can be written either: the lease hands the task back later
                raise
            except DomainError as failed:  # no model, the model failing, the assistant gone
                await self.uow.rollback()
                task.status, task.error = TaskStatus.FAILED, failed.detail
            except Exception:  # a bug: fail once, loudly, rather than loop through the lease expiries
                log.exception("an agent task failed", extra={"task_id": str(task.id)})
                await self.uow.rollback()
                task.status, task.error = TaskStatus.FAILED, CRASHED
        task.finished_at = self.clock.now()
        if await self.tasks.finish(task):
            await self.outcomes.finished(task)
            await self.events.emit(task.owner_id, f"task.{task.status.value}", task_data(task))
        await self.uow.commit()
        return task.status

    async def _work(self, task: AgentTask) -> str:
        assistant = None if task.assistant_id is None else await self.assistants.get(task.assistant_id)
        owner = await self.users.get(task.owner_id)
        if assistant is None or owner is None or assistant.owner_id != task.owner_id:
            raise Conflict("the task's assistant no longer exists")

        async def on_step(step: Step) -> None:
            task.tool_calls += tool_log(step)
            await extend()

        async def extend() -> None:  # before each model call too, a sub-assistant's included
            if not await self.tasks.progress(task, self._lease()):
                raise Superseded
            await self.uow.commit()

        # Acting for the owner, with no more than any user's rights, whatever the owner's role.
        caller = Caller(Principal(user_id=task.owner_id), owner.timezone, conversation_id=None)
        turns = [Turn("system", assistant.instructions), Turn("user", f"{task.title}\n\n{task.description}")]
        reply = await self.agent.run(caller, assistant, turns, Listener(on_step, on_call=extend))
        return reply.content

    def _lease(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.policy.task_lease)


@dataclass(slots=True)
class SweepTasks:
    """Queue again the tasks whose lease ran out: a worker died, or the message never reached one."""

    tasks: TaskRepository
    queue: TaskQueue
    uow: UnitOfWork
    clock: Clock
    policy: AgentPolicy

    async def __call__(self) -> int:
        now = self.clock.now()
        stale = await self.tasks.release_stale(now, now + timedelta(seconds=self.policy.task_queue_lease), SWEEP_BATCH)
        await self.uow.commit()
        for task_id in stale:
            await self.queue.run(task_id)
        return len(stale)
