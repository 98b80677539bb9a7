"""Ports of the conversations context (the language model's are in ``model``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from assistme.core.conversations.entities import (
    ActionStatus,
    AgentTask,
    Conversation,
    Message,
    NewMessage,
    PendingAction,
    TaskSpec,
    TaskStatus,
)
from assistme.core.shared.pagination import Page, PageRequest


class ConversationRepository(Protocol):
    async def get(self, conversation_id: UUID) -> Conversation | None: ...

    async def add(
        self, owner_id: UUID, title: str | None, assistant_id: UUID | None, now: datetime
    ) -> Conversation: ...

    async def touch(self, conversation_id: UUID, now: datetime) -> None: ...

    async def claim_reply(self, conversation_id: UUID, now: datetime, until: datetime) -> bool:
        """Atomically hold the conversation for a reply until ``until``; False while another reply's hold lasts."""
        ...

    async def hold_reply(self, conversation_id: UUID, until: datetime) -> None:
        """Extend the hold of the reply under way."""
        ...

    async def release_reply(self, conversation_id: UUID) -> None: ...

    async def delete(self, conversation_id: UUID) -> None:
        """With its messages and pending actions."""
        ...

    async def page(self, owner_id: UUID, page: PageRequest) -> Page[Conversation]:
        """Most recently active first."""
        ...


class MessageRepository(Protocol):
    async def add(self, conversation_id: UUID, message: NewMessage, now: datetime) -> Message: ...

    async def page(self, conversation_id: UUID, page: PageRequest) -> Page[Message]:
        """Oldest first."""
        ...

    async def latest(self, conversation_id: UUID, count: int) -> list[Message]:
        """The last ``count`` messages, oldest first."""
        ...


class PendingActionRepository(Protocol):
    async def add(
        self,
        conversation_id: UUID,
        owner_id: UUID,
        provider: str,
        action: str,
        params: dict[str, Any],
        *,
        now: datetime,
    ) -> PendingAction: ...

    async def get(self, action_id: UUID) -> PendingAction | None: ...

    async def claim(self, action_id: UUID, status: ActionStatus, now: datetime) -> bool:
        """Move a pending action to ``status`` atomically: False when it was no longer pending (two decisions
        raced), so a write the person confirmed twice runs once."""
        ...

    async def save(self, action: PendingAction) -> None: ...


class TaskRepository(Protocol):
    async def add(self, owner_id: UUID, spec: TaskSpec, now: datetime, lease_until: datetime) -> AgentTask:
        """A pending task; one whose ``spec.run_id`` already has a task answers that task instead."""
        ...

    async def get(self, task_id: UUID) -> AgentTask | None: ...

    async def page(self, owner_id: UUID, status: TaskStatus | None, page: PageRequest) -> Page[AgentTask]:
        """Newest first."""
        ...

    async def claim(self, task_id: UUID, now: datetime, lease_until: datetime) -> AgentTask | None:
        """Atomically move a pending task (or a processing one whose lease ran out) to processing, counting the
        attempt; None when it is finished, gone, or in another worker's live lease."""
        ...

    async def progress(self, task: AgentTask, lease_until: datetime) -> bool:
        """Store the tool calls so far and extend the lease, unless another attempt has claimed the task since."""
        ...

    async def finish(self, task: AgentTask) -> bool:
        """Write the outcome, unless another attempt has claimed the task since ``task.attempts`` was counted."""
        ...

    async def release_stale(self, now: datetime, lease_until: datetime, limit: int) -> list[UUID]:
        """Put pending and processing tasks whose lease ran out back to pending under a fresh lease; their ids."""
        ...


class TaskQueue(Protocol):
    async def run(self, task_id: UUID) -> None: ...


class TaskOutcomes(Protocol):
    """Told when a task has finished, once per task: the scheduling context reports a job's task to its owner."""

    async def finished(self, task: AgentTask) -> None: ...
