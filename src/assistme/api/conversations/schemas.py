"""Wire shapes of conversations, messages and pending actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from assistme.core.conversations.chat import Exchange
from assistme.core.conversations.entities import Conversation, Message, PendingAction
from assistme.core.conversations.policy import MAX_CONTENT


class ConversationIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    assistant_id: UUID | None = None


class MessageIn(msgspec.Struct, forbid_unknown_fields=True):
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CONTENT)]


class ToolCallOut(msgspec.Struct):
    id: str
    name: str
    arguments: Any


class MessageOut(msgspec.Struct):
    id: UUID
    role: str
    content: str | None
    created_at: datetime
    tool_calls: list[ToolCallOut]
    tool_call_id: str | None
    tool_name: str | None

    @classmethod
    def of(cls, m: Message) -> MessageOut:
        calls = [ToolCallOut(c.id, c.name, c.arguments) for c in m.tool_calls]
        return cls(m.id, m.role.value, m.content, m.created_at, calls, m.tool_call_id, m.tool_name)


class ConversationOut(msgspec.Struct):
    id: UUID
    title: str | None
    assistant_id: UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Conversation) -> ConversationOut:
        return cls(c.id, c.title, c.assistant_id, c.created_at, c.updated_at)


class ConversationDetailOut(msgspec.Struct):
    id: UUID
    title: str | None
    assistant_id: UUID | None
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut]  # the latest 50, oldest first

    @classmethod
    def of(cls, c: Conversation, messages: list[Message]) -> ConversationDetailOut:
        return cls(c.id, c.title, c.assistant_id, c.created_at, c.updated_at, [MessageOut.of(m) for m in messages])


class ExchangeOut(msgspec.Struct):
    user_message: MessageOut
    reply: MessageOut
    messages: list[MessageOut]  # everything this exchange added, in order: the tool calls and results included
    pending_action_ids: list[UUID]

    @classmethod
    def of(cls, exchange: Exchange) -> ExchangeOut:
        added = [MessageOut.of(m) for m in exchange.messages]
        return cls(added[0], added[-1], added, exchange.pending_actions)


class ActionOut(msgspec.Struct):
    id: UUID
    conversation_id: UUID
    provider: str
    action: str
    params: dict[str, Any]
    status: str
    created_at: datetime
    decided_at: datetime | None
    result: Any
    error: str | None

    @classmethod
    def of(cls, a: PendingAction) -> ActionOut:
        return cls(
            a.id,
            a.conversation_id,
            a.provider,
            a.action,
            a.params,
            a.status.value,
            a.created_at,
            a.decided_at,
            a.result,
            a.error,
        )
