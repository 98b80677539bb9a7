"""What each reply sees of the conversation: the newest that fits, a tool call never apart from its results."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from assistme.core.conversations.entities import Message, MessageRole, ToolCallRecord
from assistme.core.conversations.history import within_budget

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


def calling(*call_ids: str, content: str = "") -> Message:
    calls = [ToolCallRecord(call_id, "time", {}) for call_id in call_ids]
    return message(MessageRole.ASSISTANT, content, tool_calls=calls)


def result(call_id: str) -> Message:
    return message(MessageRole.TOOL, f"result of {call_id}", tool_call_id=call_id)


def shape(history: list[Message], chars: int = 10_000) -> list[tuple[str, str | None]]:
    return [
        (t.role, t.tool_call_id or (t.tool_calls[0].id if t.tool_calls else t.content))
        for t in within_budget(history, chars)
    ]


def test_a_message_that_landed_between_a_call_and_its_result_comes_after_the_pair() -> None:
    history = [message(MessageRole.USER, "a"), calling("c1"), message(MessageRole.USER, "b"), result("c1")]
    assert shape(history) == [("user", "a"), ("assistant", "c1"), ("tool", "c1"), ("user", "b")]


def test_a_call_without_every_result_is_left_out_with_its_results() -> None:
    history = [calling("c1", "c2"), result("c1"), message(MessageRole.USER, "b"), result("c3")]
    assert shape(history) == [("user", "b")]


def test_a_reused_call_id_is_answered_by_the_result_after_it() -> None:
    history = [calling("c1"), message(MessageRole.USER, "b"), calling("c1"), result("c1")]
    assert shape(history) == [("user", "b"), ("assistant", "c1"), ("tool", "c1")]


def test_the_budget_never_keeps_a_result_without_its_call() -> None:
    history = [calling("c1", content="x" * 100), message(MessageRole.USER, "b"), result("c1")]
    assert shape(history, 40) == [("user", "b")]  # the result alone would fit: not without its call
