"""What each reply sees of the conversation, and what is stored of a tool call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from assistme.core.conversations.chat import within_budget
from assistme.core.conversations.entities import Message, MessageRole, ToolCallRecord
from assistme.core.conversations.redaction import redact

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def message(role: MessageRole, content: str, **kw: object) -> Message:
    return Message(uuid.uuid4(), uuid.uuid4(), role, content, NOW, **kw)  # type: ignore[arg-type]


def test_the_oldest_messages_are_dropped_first_to_fit_the_budget() -> None:
    history = [message(MessageRole.USER, "a" * 50), message(MessageRole.ASSISTANT, "b" * 50)]
    history.append(message(MessageRole.USER, "c" * 50))
    assert [t.content for t in within_budget(history, 120)] == ["b" * 50, "c" * 50]
    assert within_budget(history, 10) == []


def test_a_tool_result_whose_call_was_dropped_is_dropped_too() -> None:
    call = ToolCallRecord("call-1", "time", {"timezone": "UTC"})
    history = [
        message(MessageRole.ASSISTANT, "x" * 100, tool_calls=[call]),
        message(MessageRole.TOOL, '{"now": "09:00"}', tool_call_id="call-1"),
        message(MessageRole.ASSISTANT, "It is nine."),
    ]
    kept = within_budget(history, 40)
    assert [t.role for t in kept] == ["assistant"]
    whole = within_budget(history, 10_000)
    assert whole[0].tool_calls[0].arguments == '{"timezone": "UTC"}'
    assert whole[1].tool_call_id == "call-1"


def test_secrets_are_masked_at_any_depth() -> None:
    stored = redact({"to": ["a@example.com"], "Authorization": "Bearer x", "nested": [{"api_key": "k", "n": 1}]})
    assert stored == {"to": ["a@example.com"], "Authorization": "***", "nested": [{"api_key": "***", "n": 1}]}
