"""In-memory fakes of the assistants ports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from assistme.core.assistants.entities import Assistant, AssistantSpec, SecretaryLink, Tool, ToolSpec, ToolType
from assistme.core.assistants.ports import AssistantFilter
from assistme.core.shared.pagination import Page, PageRequest
from tests.unit.identity.fakes import START, FakeClock, FakeUow


class FakeAssistants:
    def __init__(self) -> None:
        self.rows: dict[UUID, Assistant] = {}
        self.saves = 0

    async def get(self, assistant_id: UUID) -> Assistant | None:
        found = self.rows.get(assistant_id)
        return None if found is None else replace(found, tool_ids=list(found.tool_ids))

    async def add(self, owner_id: UUID, spec: AssistantSpec, tool_ids: Sequence[UUID]) -> Assistant:
        made = Assistant(
            uuid.uuid4(),
            owner_id,
            spec.name,
            spec.model,
            spec.instructions,
            spec.assistant_type,
            spec.is_secretary,
            spec.description,
            START,
            START,
            list(tool_ids),
        )
        self.rows[made.id] = made
        return replace(made)

    async def save(self, assistant: Assistant) -> Assistant:
        self.saves += 1
        self.rows[assistant.id] = replace(assistant, tool_ids=list(assistant.tool_ids))
        return assistant

    async def delete(self, assistant_id: UUID) -> None:
        self.rows.pop(assistant_id, None)

    async def search(self, where: AssistantFilter, page: PageRequest) -> Page[Assistant]:
        found = [a for a in self.rows.values() if where.owner_id in (None, a.owner_id)]
        return Page(found[page.offset : page.offset + page.limit], len(found), page.limit, page.offset)


class FakeTools:
    def __init__(self) -> None:
        self.rows: dict[UUID, Tool] = {}

    def put(self, name: str, builtin: bool = False) -> Tool:
        made = Tool(uuid.uuid4(), name, ToolType.TIME, "", {"type": "object"}, builtin, START, START)
        self.rows[made.id] = made
        return made

    async def get(self, tool_id: UUID) -> Tool | None:
        found = self.rows.get(tool_id)
        return None if found is None else replace(found)

    async def existing(self, tool_ids: Sequence[UUID]) -> set[UUID]:
        return {t for t in tool_ids if t in self.rows}

    async def add(self, spec: ToolSpec) -> Tool:
        made = Tool(uuid.uuid4(), spec.name, spec.tool_type, spec.description, spec.input_schema, False, START, START)
        self.rows[made.id] = made
        return made

    async def save(self, tool: Tool) -> Tool:
        self.rows[tool.id] = replace(tool)
        return tool

    async def delete(self, tool_id: UUID) -> None:
        self.rows.pop(tool_id, None)

    async def list(self, page: PageRequest) -> Page[Tool]:
        found = list(self.rows.values())
        return Page(found, len(found), page.limit, page.offset)


class FakeChecker:
    """Accepts any schema whose 'type' is a string, like the real checker would for these tests."""

    def problems(self, schema: dict[str, Any]) -> list[str]:
        return [] if isinstance(schema.get("type", ""), str) else ["type must be a string"]


class FakeSecretaryLinks:
    def __init__(self) -> None:
        self.rows: list[SecretaryLink] = []

    async def active(self, user_id: UUID) -> SecretaryLink | None:
        return next((r for r in self.rows if r.user_id == user_id and r.unlinked_at is None), None)

    async def link(self, user_id: UUID, assistant_id: UUID, now: datetime) -> SecretaryLink:
        await self.unlink(user_id, now)
        made = SecretaryLink(uuid.uuid4(), user_id, assistant_id, now)
        self.rows.append(made)
        return made

    async def unlink(self, user_id: UUID, now: datetime) -> bool:
        active = await self.active(user_id)
        if active is None:
            return False
        self.rows[self.rows.index(active)] = replace(active, unlinked_at=now)
        return True


@dataclass
class Catalog:
    assistants: FakeAssistants = field(default_factory=FakeAssistants)
    tools: FakeTools = field(default_factory=FakeTools)
    links: FakeSecretaryLinks = field(default_factory=FakeSecretaryLinks)
    checker: FakeChecker = field(default_factory=FakeChecker)
    uow: FakeUow = field(default_factory=FakeUow)
    clock: FakeClock = field(default_factory=FakeClock)
