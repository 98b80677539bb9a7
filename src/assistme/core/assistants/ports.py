"""Ports of the assistants context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from assistme.core.assistants.entities import Assistant, AssistantSpec, SecretaryLink, Tool, ToolSpec
from assistme.core.shared.pagination import Page, PageRequest


@dataclass(frozen=True, slots=True)
class AssistantFilter:
    owner_id: UUID | None = None  # None: every owner (admins)
    is_secretary: bool | None = None
    query: str | None = None


class AssistantRepository(Protocol):
    async def get(self, assistant_id: UUID) -> Assistant | None: ...

    async def add(self, owner_id: UUID, spec: AssistantSpec, tool_ids: Sequence[UUID]) -> Assistant:
        """A new assistant with these tools attached, in this order."""
        ...

    async def save(self, assistant: Assistant) -> Assistant:
        """Write every field back, the set of tool ids included."""
        ...

    async def delete(self, assistant_id: UUID) -> None: ...

    async def search(self, where: AssistantFilter, page: PageRequest) -> Page[Assistant]: ...


class ToolRepository(Protocol):
    async def get(self, tool_id: UUID) -> Tool | None: ...

    async def existing(self, tool_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these ids name a tool."""
        ...

    async def add(self, spec: ToolSpec) -> Tool:
        """A taken name raises ``Conflict``."""
        ...

    async def save(self, tool: Tool) -> Tool: ...

    async def delete(self, tool_id: UUID) -> None: ...

    async def list(self, page: PageRequest) -> Page[Tool]: ...


class SchemaChecker(Protocol):
    def problems(self, schema: dict[str, Any]) -> list[str]:
        """Why ``schema`` is not a valid JSON Schema (draft 2020-12); empty when it is."""
        ...


class SecretaryRepository(Protocol):
    async def active(self, user_id: UUID) -> SecretaryLink | None: ...

    async def link(self, user_id: UUID, assistant_id: UUID, now: datetime) -> SecretaryLink:
        """End the user's active link, if any, and record a new one."""
        ...

    async def unlink(self, user_id: UUID, now: datetime) -> bool:
        """End the active link; False when there was none."""
        ...
