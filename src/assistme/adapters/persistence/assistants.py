"""Assistant and tool repositories; an assistant's tool ids live in the assistant_tools rows."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.errors import conflicts
from assistme.adapters.persistence.models import AssistantRow, AssistantToolRow, ToolRow
from assistme.core.assistants.entities import Assistant, AssistantSpec, AssistantType, Tool, ToolSpec, ToolType
from assistme.core.assistants.ports import AssistantFilter
from assistme.core.shared.pagination import Page, PageRequest


class _AssistantRows(SQLAlchemyAsyncRepository[AssistantRow]):
    model_type = AssistantRow


class _ToolRows(SQLAlchemyAsyncRepository[ToolRow]):
    model_type = ToolRow


def _assistant(row: AssistantRow, tool_ids: list[UUID]) -> Assistant:
    return Assistant(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        model=row.model,
        instructions=row.instructions,
        assistant_type=AssistantType(row.assistant_type),
        is_secretary=row.is_secretary,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        tool_ids=tool_ids,
    )


def _tool(row: ToolRow) -> Tool:
    return Tool(
        id=row.id,
        name=row.name,
        tool_type=ToolType(row.tool_type),
        description=row.description,
        input_schema=row.input_schema,
        is_builtin=row.is_builtin,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlAssistantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _AssistantRows(session=session, auto_expunge=False, auto_refresh=False)

    async def _tool_ids(self, assistant_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
        """One query for a whole page of assistants."""
        found: dict[UUID, list[UUID]] = {a: [] for a in assistant_ids}
        if assistant_ids:
            stmt = (
                select(AssistantToolRow.assistant_id, AssistantToolRow.tool_id)
                .where(AssistantToolRow.assistant_id.in_(assistant_ids))
                .order_by(AssistantToolRow.position)
            )
            for assistant_id, tool_id in await self._session.execute(stmt):
                found[assistant_id].append(tool_id)
        return found

    async def get(self, assistant_id: UUID) -> Assistant | None:
        row = await self._session.get(AssistantRow, assistant_id)
        if row is None:
            return None
        return _assistant(row, (await self._tool_ids([row.id]))[row.id])

    async def add(self, owner_id: UUID, spec: AssistantSpec, tool_ids: Sequence[UUID]) -> Assistant:
        row = AssistantRow(
            owner_id=owner_id,
            name=spec.name,
            model=spec.model,
            instructions=spec.instructions,
            assistant_type=spec.assistant_type.value,
            is_secretary=spec.is_secretary,
            description=spec.description,
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add_all(
            AssistantToolRow(assistant_id=row.id, tool_id=t, position=i) for i, t in enumerate(tool_ids)
        )
        if tool_ids:
            await self._session.flush()
        return _assistant(row, list(tool_ids))

    async def save(self, assistant: Assistant) -> Assistant:
        row = await self._session.get_one(AssistantRow, assistant.id)
        row.name = assistant.name
        row.model = assistant.model
        row.instructions = assistant.instructions
        row.assistant_type = assistant.assistant_type.value
        row.is_secretary = assistant.is_secretary
        row.description = assistant.description
        await self._session.execute(delete(AssistantToolRow).where(AssistantToolRow.assistant_id == assistant.id))
        self._session.add_all(
            AssistantToolRow(assistant_id=assistant.id, tool_id=t, position=i) for i, t in enumerate(assistant.tool_ids)
        )
        await self._session.flush()
        return _assistant(row, list(assistant.tool_ids))

    async def delete(self, assistant_id: UUID) -> None:
        await self._session.execute(delete(AssistantRow).where(AssistantRow.id == assistant_id))

    async def search(self, where: AssistantFilter, page: PageRequest) -> Page[Assistant]:
        filters: list[ColumnElement[bool]] = []
        if where.owner_id is not None:
            filters.append(AssistantRow.owner_id == where.owner_id)
        if where.is_secretary is not None:
            filters.append(AssistantRow.is_secretary == where.is_secretary)
        if where.query:
            pattern = f"%{where.query.lower()}%"
            filters.append(
                or_(func.lower(AssistantRow.name).like(pattern), func.lower(AssistantRow.description).like(pattern))
            )
        rows, total = await self._rows.get_many_and_count(
            *filters, LimitOffset(page.limit, page.offset), OrderBy("created_at", "asc")
        )
        tool_ids = await self._tool_ids([r.id for r in rows])
        return Page([_assistant(r, tool_ids[r.id]) for r in rows], total, page.limit, page.offset)


class SqlToolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _ToolRows(session=session, auto_expunge=False, auto_refresh=False)

    async def get(self, tool_id: UUID) -> Tool | None:
        row = await self._session.get(ToolRow, tool_id)
        return None if row is None else _tool(row)

    async def existing(self, tool_ids: Sequence[UUID]) -> set[UUID]:
        if not tool_ids:
            return set()
        return set(await self._session.scalars(select(ToolRow.id).where(ToolRow.id.in_(tool_ids))))

    async def add(self, spec: ToolSpec) -> Tool:
        row = ToolRow(
            name=spec.name,
            tool_type=spec.tool_type.value,
            description=spec.description,
            input_schema=spec.input_schema,
            is_builtin=False,
        )
        async with conflicts(self._session, {"name": "a tool with this name exists"}):
            self._session.add(row)
        return _tool(row)

    async def save(self, tool: Tool) -> Tool:
        row = await self._session.get_one(ToolRow, tool.id)
        async with conflicts(self._session, {"name": "a tool with this name exists"}):
            row.name = tool.name
            row.tool_type = tool.tool_type.value
            row.description = tool.description
            row.input_schema = tool.input_schema
        return _tool(row)

    async def delete(self, tool_id: UUID) -> None:
        await self._session.execute(delete(ToolRow).where(ToolRow.id == tool_id))

    async def list(self, page: PageRequest) -> Page[Tool]:
        rows, total = await self._rows.get_many_and_count(
            LimitOffset(page.limit, page.offset), OrderBy("created_at", "asc")
        )
        return Page([_tool(r) for r in rows], total, page.limit, page.offset)
