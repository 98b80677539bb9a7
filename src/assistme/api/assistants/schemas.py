"""Wire shapes of assistants and tools."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from assistme.api.identity.schemas import Strict
from assistme.core.assistants.assistants import AssistantChanges
from assistme.core.assistants.entities import Assistant, AssistantSpec, AssistantType, Tool, ToolSpec, ToolType
from assistme.core.assistants.tools import ToolChanges

AssistantKind = Literal["llm", "openai_api"]
ToolKind = Literal["calendar", "reminder", "time", "sub_assistant", "weather", "gmail"]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ModelName = Annotated[str, msgspec.Meta(max_length=200)]  # "": the model server's default model
Instructions = Annotated[str, msgspec.Meta(max_length=32_000)]
Description = Annotated[str, msgspec.Meta(max_length=2_000)]
ToolIds = Annotated[list[UUID], msgspec.Meta(max_length=50)]
ToolName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[a-zA-Z0-9_-]+$")]
Schema = dict[str, Any]


class AssistantIn(Strict):
    name: Title
    model: ModelName = ""
    instructions: Instructions = ""
    assistant_type: AssistantKind = "llm"
    is_secretary: bool = False
    description: Description | None = None
    tool_ids: ToolIds = msgspec.field(default_factory=list)

    def to_spec(self) -> AssistantSpec:
        return AssistantSpec(
            self.name,
            self.model,
            self.instructions,
            AssistantType(self.assistant_type),
            self.is_secretary,
            self.description,
            tuple(self.tool_ids),
        )

    def to_changes(self) -> AssistantChanges:
        """PUT: every field as given, defaults included."""
        spec = self.to_spec()
        return AssistantChanges(
            spec.name,
            spec.model,
            spec.instructions,
            spec.assistant_type,
            spec.is_secretary,
            spec.description,
            spec.tool_ids,
        )


class AssistantPatch(Strict):
    name: Title | UnsetType = UNSET
    model: ModelName | UnsetType = UNSET
    instructions: Instructions | UnsetType = UNSET
    assistant_type: AssistantKind | UnsetType = UNSET
    is_secretary: bool | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    tool_ids: ToolIds | UnsetType = UNSET

    def to_changes(self) -> AssistantChanges:
        kind = self.assistant_type
        return AssistantChanges(
            self.name,
            self.model,
            self.instructions,
            kind if isinstance(kind, UnsetType) else AssistantType(kind),
            self.is_secretary,
            self.description,
            self.tool_ids,
        )


class AssistantOut(msgspec.Struct, kw_only=True):
    id: UUID
    owner_id: UUID
    name: str
    model: str
    instructions: str
    assistant_type: str
    is_secretary: bool
    description: str | None
    tool_ids: list[UUID]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, a: Assistant) -> AssistantOut:
        return cls(
            id=a.id,
            owner_id=a.owner_id,
            name=a.name,
            model=a.model,
            instructions=a.instructions,
            assistant_type=a.assistant_type.value,
            is_secretary=a.is_secretary,
            description=a.description,
            tool_ids=list(a.tool_ids),
            created_at=a.created_at,
            updated_at=a.updated_at,
        )


class ToolIn(Strict):
    name: ToolName
    tool_type: ToolKind
    input_schema: Schema
    description: Description = ""

    def to_spec(self) -> ToolSpec:
        return ToolSpec(self.name, ToolType(self.tool_type), self.description, self.input_schema)

    def to_changes(self) -> ToolChanges:
        return ToolChanges(self.name, ToolType(self.tool_type), self.description, self.input_schema)


class ToolPatch(Strict):
    name: ToolName | UnsetType = UNSET
    tool_type: ToolKind | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    input_schema: Schema | UnsetType = UNSET

    def to_changes(self) -> ToolChanges:
        kind = self.tool_type
        return ToolChanges(
            self.name, kind if isinstance(kind, UnsetType) else ToolType(kind), self.description, self.input_schema
        )


class ToolOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    tool_type: str
    description: str
    input_schema: Schema
    is_builtin: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: Tool) -> ToolOut:
        return cls(
            id=t.id,
            name=t.name,
            tool_type=t.tool_type.value,
            description=t.description,
            input_schema=t.input_schema,
            is_builtin=t.is_builtin,
            created_at=t.created_at,
            updated_at=t.updated_at,
        )
