"""Conversations with an assistant, their messages, and the writes the model proposed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class MessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class ActionStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"  # ran at the user's word; ``result`` holds the provider's answer
    REJECTED = "rejected"
    FAILED = "failed"  # confirmed, but the provider refused it; ``error`` says why


@dataclass(slots=True)
class Conversation:
    id: UUID
    owner_id: UUID
    title: str | None
    assistant_id: UUID | None  # None: the owner's secretary answers
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """A call the assistant made: ``arguments`` as parsed (or the model's raw text when it was not JSON)."""

    id: str
    name: str
    arguments: Any


@dataclass(frozen=True, slots=True)
class NewMessage:
    role: MessageRole
    content: str | None
    tool_calls: tuple[ToolCallRecord, ...] = ()
    tool_call_id: str | None = None  # on a tool message: the call it answers
    tool_name: str | None = None


@dataclass(slots=True)
class Message:
    id: UUID
    conversation_id: UUID
    role: MessageRole
    content: str | None
    created_at: datetime
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    tool_call_id: str | None = None
    tool_name: str | None = None


@dataclass(slots=True)
class PendingAction:
    """A calendar or mail write the model proposed; it runs only when the owner confirms it."""

    id: UUID
    conversation_id: UUID
    owner_id: UUID
    provider: str
    action: str
    params: dict[str, Any]
    status: ActionStatus
    created_at: datetime
    decided_at: datetime | None = None
    result: Any = None
    error: str | None = None


class TaskStatus(StrEnum):
    PENDING = "pending"  # queued; back here when a worker's lease ran out
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class TaskSpec:
    title: str
    description: str
    assistant_id: UUID | None  # None: the owner's secretary
    job_id: UUID | None = None  # a `schedule` job's run queued it
    run_id: UUID | None = None


@dataclass(slots=True)
class AgentTask:
    """An assistant's work off the request path: the worker runs the agent on ``description``."""

    id: UUID
    owner_id: UUID
    title: str
    description: str
    assistant_id: UUID | None
    status: TaskStatus
    created_at: datetime
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: str | None = None
    error: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # name, arguments, result; secrets masked
    job_id: UUID | None = None
    run_id: UUID | None = None
