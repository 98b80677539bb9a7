"""Wire shapes of agent tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from assistme.core.conversations.entities import AgentTask, TaskSpec
from assistme.core.conversations.policy import MAX_CONTENT
from assistme.core.conversations.tasks import MAX_TITLE


class TaskIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE)]
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CONTENT)]
    assistant_id: UUID | None = None  # None: the caller's secretary

    def to_spec(self) -> TaskSpec:
        return TaskSpec(self.title, self.description, self.assistant_id)


class TaskOut(msgspec.Struct):
    id: UUID
    title: str
    description: str
    assistant_id: UUID | None
    status: str
    result: str | None
    error: str | None
    tool_calls: list[dict[str, Any]]  # name, arguments, output: secrets masked
    attempts: int
    job_id: UUID | None  # the `schedule` job whose run queued it
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, t: AgentTask) -> TaskOut:
        return cls(
            t.id,
            t.title,
            t.description,
            t.assistant_id,
            t.status.value,
            t.result,
            t.error,
            t.tool_calls,
            t.attempts,
            t.job_id,
            t.created_at,
            t.started_at,
            t.finished_at,
        )
