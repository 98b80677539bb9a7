"""Assistants, the tools they may use, and the secretary a person talks to by default."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class AssistantType(StrEnum):
    LLM = "llm"  # the configured OpenAI-compatible model server
    OPENAI_API = "openai_api"  # OpenAI's own API


class ToolType(StrEnum):
    CALENDAR = "calendar"
    REMINDER = "reminder"
    TIME = "time"
    SUB_ASSISTANT = "sub_assistant"
    WEATHER = "weather"
    GMAIL = "gmail"


@dataclass(slots=True)
class Tool:
    id: UUID
    name: str
    tool_type: ToolType
    description: str
    input_schema: dict[str, Any]
    is_builtin: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """What an admin writes: a tool without its identity and timestamps."""

    name: str
    tool_type: ToolType
    description: str
    input_schema: dict[str, Any]


@dataclass(slots=True)
class Assistant:
    id: UUID
    owner_id: UUID
    name: str
    model: str
    instructions: str
    assistant_type: AssistantType
    is_secretary: bool
    description: str | None
    created_at: datetime
    updated_at: datetime
    tool_ids: list[UUID] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AssistantSpec:
    name: str
    model: str
    instructions: str
    assistant_type: AssistantType = AssistantType.LLM
    is_secretary: bool = False
    description: str | None = None
    tool_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class SecretaryLink:
    """Which assistant a person's bot talks to by default; old links stay as history."""

    id: UUID
    user_id: UUID
    assistant_id: UUID
    linked_at: datetime
    unlinked_at: datetime | None = None
