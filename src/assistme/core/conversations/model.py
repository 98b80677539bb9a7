"""The language-model port: chat completions with tool calling, whole or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the model asked for. ``arguments`` is the model's raw JSON text: it may be malformed."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation as the model sees it."""

    role: Role
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None  # on a ``tool`` turn: the call it answers


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A tool offered to the model: ``parameters`` is the JSON Schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Completion:
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    tokens: int = 0  # prompt and completion together, as the server counted them (0 when it did not say)


@dataclass(frozen=True, slots=True)
class Request:
    model: str
    turns: Sequence[Turn]
    functions: Sequence[FunctionSpec] = field(default=())
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a streamed reply: text as it comes (``delta``), then once, at the end, the whole ``completion``."""

    delta: str = ""
    completion: Completion | None = None


class LanguageModel(Protocol):
    """An OpenAI-compatible chat-completions server. Raises the core's Unavailable (503) when the server cannot be
    reached, times out or answers 429/5xx after bounded retries, and ModelFailed (502) when it answers something
    unusable (a 4xx, a body that is not a completion)."""

    async def complete(self, request: Request) -> Completion: ...

    def stream(self, request: Request) -> AsyncIterator[Chunk]:
        """Retries happen only before the first chunk; a stream broken later raises."""
        ...


class LanguageModels(Protocol):
    def for_type(self, assistant_type: str) -> LanguageModel | None:
        """The model server for ``llm`` or ``openai_api`` assistants; None when that one is not configured."""
        ...
