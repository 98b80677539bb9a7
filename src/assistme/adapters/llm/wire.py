"""The chat-completions wire format: the request body, and the answer parsed, whole or streamed.

Anything that is not a completion becomes ModelFailed; a stream that ends before its answer does is Unavailable.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from assistme.core.conversations.model import Completion, FunctionSpec, Request, ToolCall, Turn
from assistme.core.shared.errors import ModelFailed, Unavailable

UNAVAILABLE = "the language model is unavailable, try again later"
NOT_A_COMPLETION = "the language model server answered something that is not a completion"


def request_body(request: Request, *, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": request.model, "messages": [_message(turn) for turn in request.turns]}
    if request.functions:
        body["tools"] = [_tool(function) for function in request.functions]
        body["tool_choice"] = "auto"
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def _message(turn: Turn) -> dict[str, Any]:
    if turn.role == "tool":
        return {"role": "tool", "tool_call_id": turn.tool_call_id or "", "content": turn.content or ""}
    if turn.role == "assistant" and turn.tool_calls:
        calls = [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in turn.tool_calls
        ]
        return {"role": "assistant", "content": turn.content or None, "tool_calls": calls}
    return {"role": turn.role, "content": turn.content or ""}


def _tool(function: FunctionSpec) -> dict[str, Any]:
    spec = {"name": function.name, "description": function.description, "parameters": function.parameters}
    return {"type": "function", "function": spec}


@dataclass(slots=True)
class _Call:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StreamedReply:
    """A streamed answer as its chunks arrive: text, tool calls assembled from fragments keyed by index, usage."""

    text: list[str] = field(default_factory=list)
    calls: dict[int, _Call] = field(default_factory=dict)
    finish_reason: str | None = None
    tokens: int = 0
    done: bool = False

    def add(self, data: str) -> str:
        """Take one event; the text it adds."""
        if data == "[DONE]":
            self.done = True
            return ""
        chunk = _dict(parse_json(data))
        if "error" in chunk:  # the server failed half way through its answer
            raise Unavailable(UNAVAILABLE)
        self.tokens = _tokens(chunk) or self.tokens
        choices = _list(chunk.get("choices"))
        if not choices:
            return ""
        choice = _dict(choices[0])
        delta = _dict(choice.get("delta") or {})
        for position, fragment in enumerate(_list(delta.get("tool_calls"))):
            self._fragment(position, _dict(fragment))
        self.finish_reason = _text(choice.get("finish_reason")) or self.finish_reason
        text = _text(delta.get("content"))
        self.text.append(text)
        return text

    def _fragment(self, position: int, fragment: dict[str, Any]) -> None:
        index = fragment.get("index", position)
        if not isinstance(index, int):
            raise ModelFailed(NOT_A_COMPLETION)
        call = self.calls.setdefault(index, _Call())
        function = _dict(fragment.get("function") or {})
        call.id = _text(fragment.get("id")) or call.id
        call.name = _text(function.get("name")) or call.name
        call.arguments.append(_arguments(function.get("arguments")))

    def finish(self) -> Completion:
        if not self.done and self.finish_reason is None:  # closed cleanly, yet before the answer was over
            raise Unavailable(UNAVAILABLE)
        calls = tuple(_call(c.id, c.name, "".join(c.arguments)) for _, c in sorted(self.calls.items()))
        return Completion("".join(self.text) or None, calls, self.finish_reason, self.tokens)


def parse_completion(data: Any) -> Completion:
    choices = _dict(data).get("choices")
    if not isinstance(choices, list) or not choices:
        raise ModelFailed(NOT_A_COMPLETION)
    choice = _dict(choices[0])
    message = _dict(choice.get("message"))
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise ModelFailed(NOT_A_COMPLETION)
    calls = []
    for raw in _list(message.get("tool_calls")):
        call = _dict(raw)
        function = _dict(call.get("function"))
        calls.append(_call(_text(call.get("id")), _text(function.get("name")), _arguments(function.get("arguments"))))
    return Completion(content, tuple(calls), _text(choice.get("finish_reason")) or None, _tokens(data))


def _call(call_id: str, name: str, arguments: str) -> ToolCall:
    if not name:
        raise ModelFailed(NOT_A_COMPLETION)
    return ToolCall(call_id or f"call_{uuid.uuid4().hex[:24]}", name, arguments)


def _arguments(value: Any) -> str:
    """The raw JSON text of a call's arguments, passed on as sent; a server that sent an object gets it encoded."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, dict):
        return json.dumps(value)
    raise ModelFailed(NOT_A_COMPLETION)


def _tokens(data: dict[str, Any]) -> int:
    usage = data.get("usage")
    total = usage.get("total_tokens") if isinstance(usage, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) and total > 0 else 0


def parse_json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:  # includes a body that is not UTF-8
        raise ModelFailed(NOT_A_COMPLETION) from None


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ModelFailed(NOT_A_COMPLETION)
    return value


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ModelFailed(NOT_A_COMPLETION)
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
