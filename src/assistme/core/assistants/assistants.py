"""Assistants: owned by the person who makes them; admins see and manage all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from msgspec import UNSET, UnsetType

from assistme.core.assistants.entities import Assistant, AssistantSpec, AssistantType
from assistme.core.assistants.ports import AssistantFilter, AssistantRepository, ToolRepository
from assistme.core.assistants.tools import existing_tool
from assistme.core.identity.principal import Principal
from assistme.core.shared.changes import apply_changes
from assistme.core.shared.errors import FieldError, InvalidInput, NotFound
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork


async def visible_assistant(assistants: AssistantRepository, principal: Principal, assistant_id: UUID) -> Assistant:
    """The assistant, if the caller owns it or is an admin; anyone else's answers exactly like a missing one."""
    assistant = await assistants.get(assistant_id)
    if assistant is None or not (principal.is_admin or assistant.owner_id == principal.require_user()):
        raise NotFound("no such assistant")
    return assistant


async def known_tools(tools: ToolRepository, tool_ids: Sequence[UUID]) -> list[UUID]:
    """The ids, deduplicated in order; any unknown one refuses the whole change."""
    wanted = list(dict.fromkeys(tool_ids))
    existing = await tools.existing(wanted) if wanted else set()
    missing = [str(t) for t in wanted if t not in existing]
    if missing:
        raise InvalidInput("unknown tools", [FieldError("tool_ids", f"no tool {t}") for t in missing])
    return wanted


@dataclass(slots=True)
class ListAssistants:
    """The caller's assistants; an admin's list holds everyone's."""

    assistants: AssistantRepository

    async def __call__(
        self, principal: Principal, is_secretary: bool | None, query: str | None, page: PageRequest
    ) -> Page[Assistant]:
        owner = None if principal.is_admin else principal.require_user()
        return await self.assistants.search(AssistantFilter(owner, is_secretary, query), page)


@dataclass(slots=True)
class GetAssistant:
    assistants: AssistantRepository

    async def __call__(self, principal: Principal, assistant_id: UUID) -> Assistant:
        return await visible_assistant(self.assistants, principal, assistant_id)


@dataclass(slots=True)
class CreateAssistant:
    """The caller owns what it creates; every tool id must name a tool."""

    assistants: AssistantRepository
    tools: ToolRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, spec: AssistantSpec) -> Assistant:
        owner = principal.require_user()
        assistant = await self.assistants.add(owner, spec, await known_tools(self.tools, spec.tool_ids))
        await self.uow.commit()
        return assistant


@dataclass(frozen=True, slots=True)
class AssistantChanges:
    name: str | UnsetType = UNSET
    model: str | UnsetType = UNSET
    instructions: str | UnsetType = UNSET
    assistant_type: AssistantType | UnsetType = UNSET
    is_secretary: bool | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    tool_ids: Sequence[UUID] | UnsetType = UNSET


@dataclass(slots=True)
class UpdateAssistant:
    """Change an assistant; ``tool_ids`` replaces the whole set, and an unknown id changes nothing."""

    assistants: AssistantRepository
    tools: ToolRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, assistant_id: UUID, changes: AssistantChanges) -> Assistant:
        assistant = await visible_assistant(self.assistants, principal, assistant_id)
        if changes.tool_ids is not UNSET:
            assistant.tool_ids = await known_tools(self.tools, changes.tool_ids)
        apply_changes(
            assistant, changes, ("name", "model", "instructions", "assistant_type", "is_secretary", "description")
        )
        assistant = await self.assistants.save(assistant)
        await self.uow.commit()
        return assistant


@dataclass(slots=True)
class DeleteAssistant:
    """The assistant goes, with its tool attachments and any secretary link to it."""

    assistants: AssistantRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, assistant_id: UUID) -> None:
        assistant = await visible_assistant(self.assistants, principal, assistant_id)
        await self.assistants.delete(assistant.id)
        await self.uow.commit()


@dataclass(slots=True)
class AttachTool:
    assistants: AssistantRepository
    tools: ToolRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, assistant_id: UUID, tool_id: UUID, attach: bool) -> None:
        """Attach (``attach``) or detach a tool; both are idempotent."""
        assistant = await visible_assistant(self.assistants, principal, assistant_id)
        await existing_tool(self.tools, tool_id)
        present = tool_id in assistant.tool_ids
        if attach and not present:
            assistant.tool_ids.append(tool_id)
        elif not attach and present:
            assistant.tool_ids.remove(tool_id)
        else:
            return
        await self.assistants.save(assistant)
        await self.uow.commit()
