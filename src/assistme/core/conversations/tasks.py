"""Agent tasks: a person hands an assistant some work, and a worker does it off the request path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from assistme.core.assistants.entities import Assistant
from assistme.core.assistants.ports import AssistantRepository, SecretaryRepository
from assistme.core.conversations.entities import AgentTask, TaskSpec, TaskStatus
from assistme.core.conversations.policy import MAX_CONTENT, AgentPolicy
from assistme.core.conversations.ports import TaskQueue, TaskRepository
from assistme.core.identity.ports import Throttle
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, InvalidInput, NotFound, RateLimited
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork

MAX_TITLE = 200


async def assistant_for(
    owner_id: UUID, assistant_id: UUID | None, assistants: AssistantRepository, secretaries: SecretaryRepository
) -> Assistant:
    """The owner's assistant ``assistant_id``, or (None) their secretary."""
    if assistant_id is None:
        link = await secretaries.active(owner_id)
        if link is None:
            raise Conflict("no assistant given and no secretary linked: choose an assistant, or link a secretary")
        assistant_id = link.assistant_id
    assistant = await assistants.get(assistant_id)
    if assistant is None or assistant.owner_id != owner_id:
        raise InvalidInput.field("assistant_id", "is not one of your assistants")
    return assistant


def check_spec(spec: TaskSpec) -> None:
    if not spec.title.strip() or len(spec.title) > MAX_TITLE:
        raise InvalidInput.field("title", f"must hold 1 to {MAX_TITLE} characters")
    if not spec.description.strip() or len(spec.description) > MAX_CONTENT:
        raise InvalidInput.field("description", f"must hold 1 to {MAX_CONTENT} characters")


@dataclass(slots=True)
class EnqueueTask:
    """Store a pending task, commit, then queue it: a message lost on the way is queued again by ``SweepTasks``
    when the task's queue lease runs out."""

    tasks: TaskRepository
    queue: TaskQueue
    assistants: AssistantRepository
    secretaries: SecretaryRepository
    policy: AgentPolicy
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, owner_id: UUID, spec: TaskSpec) -> AgentTask:
        check_spec(spec)
        assistant = await assistant_for(owner_id, spec.assistant_id, self.assistants, self.secretaries)
        now = self.clock.now()
        pinned = TaskSpec(spec.title, spec.description, assistant.id, spec.job_id, spec.run_id)
        task = await self.tasks.add(owner_id, pinned, now, now + timedelta(seconds=self.policy.task_queue_lease))
        await self.uow.commit()
        if task.status is TaskStatus.PENDING:
            await self.queue.run(task.id)
        return task


@dataclass(slots=True)
class SubmitTask:
    enqueue: EnqueueTask
    throttle: Throttle
    policy: AgentPolicy

    async def __call__(self, principal: Principal, spec: TaskSpec) -> AgentTask:
        owner = principal.require_user()
        check_spec(spec)
        if (wait := await self.throttle.hit(self.policy.task_limit, f"tasks:{owner}")) is not None:
            raise RateLimited("too many tasks: wait a moment", wait)
        return await self.enqueue(owner, TaskSpec(spec.title, spec.description, spec.assistant_id))


@dataclass(slots=True)
class ListTasks:
    tasks: TaskRepository

    async def __call__(self, principal: Principal, status: TaskStatus | None, page: PageRequest) -> Page[AgentTask]:
        return await self.tasks.page(principal.require_user(), status, page)


@dataclass(slots=True)
class GetTask:
    tasks: TaskRepository

    async def __call__(self, principal: Principal, task_id: UUID) -> AgentTask:
        task = await self.tasks.get(task_id)
        if task is None or task.owner_id != principal.require_user():
            raise NotFound("no such task")
        return task
