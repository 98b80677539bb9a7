"""Assistant and tool repositories; an assistant's tool ids live in the assistant_tools rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from uuid_utils.compat import uuid7

from assistme.adapters.persistence.errors import conflicts
from assistme.adapters.persistence.models import AssistantRow, AssistantToolRow, ToolRow
from assistme.adapters.persistence.pages import page_of
from assistme.adapters.persistence.reads import Reads
from assistme.core.assistants.entities import Assistant, AssistantSpec, AssistantType, Tool, ToolSpec, ToolType
from assistme.core.assistants.ports import AssistantFilter
from assistme.core.shared.pagination import Page, PageRequest


def _assistant(row: AssistantRow, tool_ids: list[UUID]) -> Assistant:
    return _listed([getattr(row, column.key) for column in _PAGE_COLUMNS], tool_ids)


def _listed(columns: list[Any], tool_ids: list[UUID]) -> Assistant:
    """From the values of ``_PAGE_COLUMNS``, in their order."""
    id_, owner_id, name, model, instructions, assistant_type, is_secretary, description, created, updated = columns
    return Assistant(
        id=id_,
        owner_id=owner_id,
        name=name,
        model=model,
        instructions=instructions,
        assistant_type=AssistantType(assistant_type),
        is_secretary=is_secretary,
        description=description,
        created_at=created,
        updated_at=updated,
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
    def __init__(self, session: AsyncSession, reads: Reads) -> None:
        self._session = session
        self._reads = reads

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
        now = datetime.now(UTC)
        assistant = Assistant(
            id=uuid7(),
            owner_id=owner_id,
            name=spec.name,
            model=spec.model,
            instructions=spec.instructions,
            assistant_type=spec.assistant_type,
            is_secretary=spec.is_secretary,
            description=spec.description,
            created_at=now,
            updated_at=now,
            tool_ids=list(tool_ids),
        )
        await self._session.run_sync(_insert, assistant)
        return assistant

    async def save(self, assistant: Assistant) -> Assistant:
        row = await self._session.get_one(AssistantRow, assistant.id)
        row.name = assistant.name
        row.model = assistant.model
        row.instructions = assistant.instructions
        row.assistant_type = assistant.assistant_type.value
        row.is_secretary = assistant.is_secretary
        row.description = assistant.description
        await self._session.execute(delete(AssistantToolRow).where(AssistantToolRow.assistant_id == assistant.id))
        await self._session.flush()
        await self._session.run_sync(_attach, assistant)
        return _assistant(row, list(assistant.tool_ids))

    async def delete(self, assistant_id: UUID) -> None:
        await self._session.execute(delete(AssistantRow).where(AssistantRow.id == assistant_id))

    async def search(self, where: AssistantFilter, page: PageRequest) -> Page[Assistant]:
        """One statement: the page (with a window count) joined to its tool ids, read as plain rows."""
        shape = (where.owner_id is not None, where.is_secretary is not None, bool(where.query))
        params = {
            "owner_id": where.owner_id,
            "is_secretary": where.is_secretary,
            "pattern": f"%{(where.query or '').lower()}%",
            "limit": page.limit,
            "offset": page.offset,
        }
        items: dict[UUID, Assistant] = {}
        total = 0
        async with self._reads.connect() as connection:  # Core, not the ORM: the rows become entities here
            # Unpacked by position: a named lookup on a result row costs more than the rest of the loop together.
            for *columns, count, tool_id in await connection.execute(_page_statement(*shape), params):
                assistant = items.get(columns[0])
                if assistant is None:
                    assistant = items[columns[0]] = _listed(columns, [])
                    total = count
                if tool_id is not None:
                    assistant.tool_ids.append(tool_id)
            if not items and page.offset:  # past the end: the window counted nothing
                total = (await connection.execute(_count_statement(*shape), params)).scalar_one()
        return Page(list(items.values()), total, page.limit, page.offset)


_ASSISTANTS = AssistantRow.__table__.c
# What a page reads: every column but advanced-alchemy's insert sentinel.
_PAGE_COLUMNS = (
    _ASSISTANTS.id,
    _ASSISTANTS.owner_id,
    _ASSISTANTS.name,
    _ASSISTANTS.model,
    _ASSISTANTS.instructions,
    _ASSISTANTS.assistant_type,
    _ASSISTANTS.is_secretary,
    _ASSISTANTS.description,
    _ASSISTANTS.created_at,
    _ASSISTANTS.updated_at,
)


# Built once: a construct made per request is built, and its cache key computed, on every request.
_INSERT = insert(AssistantRow)


def _columns(assistant: Assistant) -> dict[str, Any]:
    return {
        "id": assistant.id,
        "owner_id": assistant.owner_id,
        "name": assistant.name,
        "model": assistant.model,
        "instructions": assistant.instructions,
        "assistant_type": assistant.assistant_type.value,
        "is_secretary": assistant.is_secretary,
        "description": assistant.description,
        "created_at": assistant.created_at,
        "updated_at": assistant.updated_at,
    }


# Core statements, each set in one greenlet (run_sync): a new row needs none of the ORM's change tracking, and every
# awaited call on an async session or connection is a greenlet of its own.
def _insert(session: Session, assistant: Assistant) -> None:
    session.connection().execute(_INSERT, _columns(assistant))
    _attach(session, assistant)


def _attach(session: Session, assistant: Assistant) -> None:
    """The assistant's tool rows, in its order; the caller has removed any earlier ones."""
    if assistant.tool_ids:
        rows = [{"assistant_id": assistant.id, "tool_id": t, "position": i} for i, t in enumerate(assistant.tool_ids)]
        session.connection().execute(insert(AssistantToolRow), rows)


def _conditions(owner: bool, secretary: bool, query: bool) -> list[ColumnElement[bool]]:
    """The filters in force, on named parameters."""
    conditions: list[ColumnElement[bool]] = []
    if owner:
        conditions.append(_ASSISTANTS.owner_id == bindparam("owner_id"))
    if secretary:
        conditions.append(_ASSISTANTS.is_secretary == bindparam("is_secretary"))
    if query:
        pattern = bindparam("pattern", type_=String)
        conditions.append(
            or_(func.lower(_ASSISTANTS.name).like(pattern), func.lower(_ASSISTANTS.description).like(pattern))
        )
    return conditions


@lru_cache(maxsize=8)
def _page_statement(owner: bool, secretary: bool, query: bool) -> Select[Any]:
    """Built once per combination of filters: SQLAlchemy then reuses its cache key and compiled form."""
    page = (
        select(*_PAGE_COLUMNS, func.count().over().label("total"))
        .where(*_conditions(owner, secretary, query))
        .order_by(_ASSISTANTS.created_at, _ASSISTANTS.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    tools = AssistantToolRow.__table__.c
    return (
        select(page, tools.tool_id)
        .outerjoin(AssistantToolRow, tools.assistant_id == page.c.id)
        .order_by(page.c.created_at, page.c.id, tools.position)
    )


@lru_cache(maxsize=8)
def _count_statement(owner: bool, secretary: bool, query: bool) -> Select[Any]:
    return select(func.count()).select_from(AssistantRow).where(*_conditions(owner, secretary, query))


class SqlToolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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
        rows, total = await page_of(self._session, select(ToolRow).order_by(ToolRow.created_at, ToolRow.id), page)
        return Page([_tool(r) for r in rows], total, page.limit, page.offset)
