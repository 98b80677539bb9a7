"""Conversations, their messages and the pending actions the model proposed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import ConversationRow, MessageRow, PendingActionRow
from assistme.core.conversations.entities import (
    ActionStatus,
    Conversation,
    Message,
    MessageRole,
    NewMessage,
    PendingAction,
    ToolCallRecord,
)
from assistme.core.shared.pagination import Page, PageRequest


class _ConversationRows(SQLAlchemyAsyncRepository[ConversationRow]):
    model_type = ConversationRow


class _MessageRows(SQLAlchemyAsyncRepository[MessageRow]):
    model_type = MessageRow


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(row.id, row.owner_id, row.title, row.assistant_id, row.created_at, row.updated_at)


def _message(row: MessageRow) -> Message:
    calls = [ToolCallRecord(c["id"], c["name"], c.get("arguments")) for c in row.tool_calls or []]
    return Message(
        row.id,
        row.conversation_id,
        MessageRole(row.role),
        row.content,
        row.created_at,
        calls,
        row.tool_call_id,
        row.tool_name,
    )


def _action(row: PendingActionRow) -> PendingAction:
    return PendingAction(
        id=row.id,
        conversation_id=row.conversation_id,
        owner_id=row.owner_id,
        provider=row.provider,
        action=row.action,
        params=row.params,
        status=ActionStatus(row.status),
        created_at=row.created_at,
        decided_at=row.decided_at,
        result=row.result,
        error=row.error,
    )


class SqlConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _ConversationRows(session=session, auto_expunge=False, auto_refresh=False)

    async def get(self, conversation_id: UUID) -> Conversation | None:
        row = await self._session.get(ConversationRow, conversation_id)
        return None if row is None else _conversation(row)

    async def add(self, owner_id: UUID, title: str | None, assistant_id: UUID | None, now: datetime) -> Conversation:
        row = ConversationRow(owner_id=owner_id, title=title, assistant_id=assistant_id, created_at=now, updated_at=now)
        self._session.add(row)
        await self._session.flush()
        return _conversation(row)

    async def touch(self, conversation_id: UUID, now: datetime) -> None:
        stmt = update(ConversationRow).where(ConversationRow.id == conversation_id).values(updated_at=now)
        await self._session.execute(stmt.execution_options(synchronize_session=False))

    async def claim_reply(self, conversation_id: UUID, now: datetime, until: datetime) -> bool:
        """One conditional UPDATE: of two replies racing on either database, exactly one finds the row free."""
        free = or_(ConversationRow.replying_until.is_(None), ConversationRow.replying_until < now)
        return await self._replying(until, ConversationRow.id == conversation_id, free)

    async def hold_reply(self, conversation_id: UUID, until: datetime) -> None:
        await self._replying(until, ConversationRow.id == conversation_id)

    async def release_reply(self, conversation_id: UUID) -> None:
        await self._replying(None, ConversationRow.id == conversation_id)

    async def _replying(self, until: datetime | None, *where: ColumnElement[bool]) -> bool:
        # updated_at stays: a hold is not activity (the column's onupdate would otherwise bump it).
        values = {"replying_until": until, "updated_at": ConversationRow.updated_at}
        stmt = update(ConversationRow).where(*where).values(values).execution_options(synchronize_session=False)
        return int(getattr(await self._session.execute(stmt), "rowcount", 0) or 0) == 1

    async def delete(self, conversation_id: UUID) -> None:
        await self._session.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))

    async def page(self, owner_id: UUID, page: PageRequest) -> Page[Conversation]:
        rows, total = await self._rows.get_many_and_count(
            ConversationRow.owner_id == owner_id,
            LimitOffset(page.limit, page.offset),
            OrderBy("updated_at", "desc"),
        )
        return Page([_conversation(r) for r in rows], total, page.limit, page.offset)


class SqlMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _MessageRows(session=session, auto_expunge=False, auto_refresh=False)

    async def add(self, conversation_id: UUID, message: NewMessage, now: datetime) -> Message:
        calls = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls] or None
        row = MessageRow(
            conversation_id=conversation_id,
            role=message.role.value,
            content=message.content,
            tool_calls=calls,
            tool_call_id=message.tool_call_id,
            tool_name=message.tool_name,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _message(row)

    async def page(self, conversation_id: UUID, page: PageRequest) -> Page[Message]:
        rows, total = await self._rows.get_many_and_count(
            MessageRow.conversation_id == conversation_id,
            LimitOffset(page.limit, page.offset),
            OrderBy("id", "asc"),
        )
        return Page([_message(r) for r in rows], total, page.limit, page.offset)

    async def latest(self, conversation_id: UUID, count: int) -> list[Message]:
        stmt = (
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id)
            .order_by(MessageRow.id.desc())
            .limit(count)
        )
        return [_message(row) for row in reversed(list(await self._session.scalars(stmt)))]


class SqlPendingActionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        conversation_id: UUID,
        owner_id: UUID,
        provider: str,
        action: str,
        params: dict[str, Any],
        *,
        now: datetime,
    ) -> PendingAction:
        row = PendingActionRow(
            conversation_id=conversation_id,
            owner_id=owner_id,
            provider=provider,
            action=action,
            params=params,
            status=ActionStatus.PENDING.value,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _action(row)

    async def get(self, action_id: UUID) -> PendingAction | None:
        row = await self._session.get(PendingActionRow, action_id, populate_existing=True)
        return None if row is None else _action(row)

    async def claim(self, action_id: UUID, status: ActionStatus, now: datetime) -> bool:
        stmt = (
            update(PendingActionRow)
            .where(PendingActionRow.id == action_id, PendingActionRow.status == ActionStatus.PENDING.value)
            .values(status=status.value, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool((await self._session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def save(self, action: PendingAction) -> None:
        stmt = (
            update(PendingActionRow)
            .where(PendingActionRow.id == action.id)
            .values(status=action.status.value, decided_at=action.decided_at, result=action.result, error=action.error)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(stmt)
