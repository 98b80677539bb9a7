"""The tool catalog: everyone reads it, admins write it, built-in tools stay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from msgspec import UNSET, UnsetType

from assistme.core.assistants.entities import Tool, ToolSpec, ToolType
from assistme.core.assistants.ports import SchemaChecker, ToolRepository
from assistme.core.identity.principal import Principal
from assistme.core.shared.changes import apply_changes
from assistme.core.shared.errors import Conflict, FieldError, InvalidInput, NotFound
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork


def check_input_schema(checker: SchemaChecker, schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's arguments are a JSON object: its schema must be a valid draft 2020-12 schema of one."""
    problems = checker.problems(schema)
    if schema.get("type") != "object":
        problems.append('the schema must describe an object ("type": "object")')
    if problems:
        raise InvalidInput("input_schema is not a valid JSON Schema", [FieldError("input_schema", p) for p in problems])
    return schema


async def existing_tool(tools: ToolRepository, tool_id: UUID) -> Tool:
    tool = await tools.get(tool_id)
    if tool is None:
        raise NotFound("no such tool")
    return tool


@dataclass(slots=True)
class ListTools:
    tools: ToolRepository

    async def __call__(self, page: PageRequest) -> Page[Tool]:
        return await self.tools.list(page)


@dataclass(slots=True)
class GetTool:
    tools: ToolRepository

    async def __call__(self, tool_id: UUID) -> Tool:
        return await existing_tool(self.tools, tool_id)


@dataclass(slots=True)
class CreateTool:
    """Admins add tools; names are unique."""

    tools: ToolRepository
    checker: SchemaChecker
    uow: UnitOfWork

    async def __call__(self, principal: Principal, spec: ToolSpec) -> Tool:
        principal.require_admin()
        check_input_schema(self.checker, spec.input_schema)
        tool = await self.tools.add(spec)
        await self.uow.commit()
        return tool


@dataclass(frozen=True, slots=True)
class ToolChanges:
    name: str | UnsetType = UNSET
    tool_type: ToolType | UnsetType = UNSET
    description: str | UnsetType = UNSET
    input_schema: dict[str, Any] | UnsetType = UNSET


@dataclass(slots=True)
class UpdateTool:
    """Admins change a tool. A built-in tool may be described differently, but keeps its name and type:
    the agent executes it by type, and clients find it by name."""

    tools: ToolRepository
    checker: SchemaChecker
    uow: UnitOfWork

    async def __call__(self, principal: Principal, tool_id: UUID, changes: ToolChanges) -> Tool:
        principal.require_admin()
        tool = await existing_tool(self.tools, tool_id)
        if tool.is_builtin:
            for name in ("name", "tool_type"):
                value = getattr(changes, name)
                if value is not UNSET and value != getattr(tool, name):
                    raise Conflict(f"a built-in tool keeps its {name}")
        if changes.input_schema is not UNSET:
            tool.input_schema = check_input_schema(self.checker, changes.input_schema)
        apply_changes(tool, changes, ("name", "tool_type", "description"))
        tool = await self.tools.save(tool)
        await self.uow.commit()
        return tool


@dataclass(slots=True)
class DeleteTool:
    """Admins delete their own tools; built-in ones never go. Assistants using it lose it."""

    tools: ToolRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, tool_id: UUID) -> None:
        principal.require_admin()
        tool = await existing_tool(self.tools, tool_id)
        if tool.is_builtin:
            raise Conflict("built-in tools cannot be deleted")
        await self.tools.delete(tool.id)
        await self.uow.commit()
