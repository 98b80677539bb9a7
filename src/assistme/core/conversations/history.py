"""What a reply sees of the conversation so far.

OpenAI-compatible servers refuse a history where a ``tool`` message does not follow the assistant message that made
its call, or where a call has no result: so an assistant's tool calls and their results travel as one group, placed
together, kept or dropped whole. A group is incomplete when a reply stopped between the two (a crash), or when its
results lie outside the window read; an incomplete group is left out, as is a result whose call is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from assistme.core.conversations.entities import Message, MessageRole
from assistme.core.conversations.model import ToolCall, Turn


def as_turn(message: Message) -> Turn:
    calls = tuple(ToolCall(c.id, c.name, json.dumps(c.arguments)) for c in message.tool_calls)
    return Turn(message.role.value, message.content, calls, message.tool_call_id)


def groups(history: Sequence[Message]) -> list[list[Message]]:
    """Each message alone, but an assistant's tool calls with their results after them, oldest first. A result
    answers the latest call with its id before it (some servers reuse ids)."""
    found: list[list[Message]] = []
    waiting: dict[str, list[Message]] = {}  # call id -> the group whose call it is
    for message in history:
        if message.role is MessageRole.TOOL:
            group = waiting.pop(message.tool_call_id or "", None)
            if group is not None:
                group.append(message)
            continue
        found.append([message])
        waiting.update({call.id: found[-1] for call in message.tool_calls})
    return [group for group in found if _complete(group)]


def _complete(group: list[Message]) -> bool:
    calls, answered = group[0].tool_calls, {m.tool_call_id for m in group[1:]}
    return all(call.id in answered for call in calls)


def _size(group: list[Message]) -> int:
    return sum(len(m.content or "") + sum(len(json.dumps(c.arguments)) for c in m.tool_calls) for m in group)


def within_budget(history: Sequence[Message], chars: int) -> list[Turn]:
    """The newest groups whose text fits ``chars``, oldest first."""
    kept: list[list[Message]] = []
    used = 0
    for group in reversed(groups(history)):
        used += _size(group)
        if used > chars:
            break
        kept.append(group)
    return [as_turn(message) for group in reversed(kept) for message in group]
