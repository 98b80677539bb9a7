"""The agent loop: the model answers, or calls tools whose results it reads, until a final answer or a limit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistme.core.assistants.entities import Assistant, Tool, ToolType
from assistme.core.assistants.ports import AssistantRepository, ToolRepository
from assistme.core.conversations.entities import ToolCallRecord
from assistme.core.conversations.model import (
    Completion,
    FunctionSpec,
    LanguageModel,
    LanguageModels,
    Request,
    ToolCall,
    Turn,
)
from assistme.core.conversations.policy import AgentPolicy
from assistme.core.conversations.toolbox import Caller, ToolBox, ToolFailed, ToolOutcome, parse_arguments
from assistme.core.shared.errors import Unavailable
from assistme.core.shared.uow import UnitOfWork

_FUNCTION_NAME = re.compile(r"[^a-zA-Z0-9_-]")
STOPPED = "I stopped before finishing: this reply reached its limit of {what}. Ask me to continue if you need more."


@dataclass(frozen=True, slots=True)
class Step:
    """One model call: what the model said (its tool calls included) and what the tools answered."""

    said: Turn
    outcomes: tuple[ToolOutcome, ...] = ()


@dataclass(slots=True)
class Listener:
    """Hooks for a caller that wants each step as it happens (to store it, to stream it)."""

    on_step: Callable[[Step], Awaitable[None]] | None = None
    on_delta: Callable[[str], Awaitable[None]] | None = None


@dataclass(slots=True)
class Reply:
    content: str
    steps: list[Step] = field(default_factory=list)
    tokens: int = 0


def function_name(tool: Tool) -> str:
    """OpenAI allows ``[a-zA-Z0-9_-]{1,64}``; an admin may have named a tool otherwise."""
    return _FUNCTION_NAME.sub("_", tool.name)[:64] or "tool"


async def model_for(models: LanguageModels, assistant: Assistant) -> LanguageModel:
    model = models.for_type(assistant.assistant_type.value)
    if model is None:
        raise Unavailable(f"no language model configured for {assistant.assistant_type.value} assistants", 3600)
    return model


@dataclass(slots=True)
class AgentLoop:
    models: LanguageModels
    toolbox: ToolBox
    assistants: AssistantRepository
    tools: ToolRepository
    policy: AgentPolicy
    uow: UnitOfWork

    async def tools_of(self, assistant: Assistant) -> list[Tool]:
        found = [await self.tools.get(tool_id) for tool_id in assistant.tool_ids]
        return [tool for tool in found if tool is not None]

    async def run(
        self, caller: Caller, assistant: Assistant, turns: Sequence[Turn], listener: Listener | None = None
    ) -> Reply:
        """``turns`` start with the instructions and end with the person's message. No transaction is open while
        the model thinks: the caller committed, and each step is committed by ``listener.on_step``."""
        listener = listener or Listener()
        model = await model_for(self.models, assistant)
        offered = {function_name(tool): tool for tool in await self.tools_of(assistant)}
        functions = [FunctionSpec(name, tool.description, tool.input_schema) for name, tool in offered.items()]
        await self.uow.commit()
        history, reply = list(turns), Reply("")
        for _ in range(self.policy.max_steps):
            request = Request(assistant.model, history, functions, self.policy.max_reply_tokens)
            completion = await self._complete(model, request, listener)
            reply.tokens += completion.tokens
            said = Turn("assistant", completion.content, completion.tool_calls)
            if not completion.tool_calls:
                reply.content = completion.content or ""
                await self._record(reply, Step(said), listener)
                return reply
            outcomes = tuple([await self._call(caller, offered, call) for call in completion.tool_calls])
            await self._record(reply, Step(said, outcomes), listener)
            history.append(said)
            history += [Turn("tool", outcome.content, tool_call_id=outcome.call.id) for outcome in outcomes]
            if reply.tokens >= self.policy.token_budget:
                return await self._stopped(reply, "tokens", listener)
        return await self._stopped(reply, f"{self.policy.max_steps} steps", listener)

    async def _complete(self, model: LanguageModel, request: Request, listener: Listener) -> Completion:
        if listener.on_delta is None:
            return await model.complete(request)
        completion = None
        async for chunk in model.stream(request):
            if chunk.delta:
                await listener.on_delta(chunk.delta)
            completion = chunk.completion or completion
        if completion is None:
            raise Unavailable("the language model ended its answer early, try again")
        return completion

    async def _call(self, caller: Caller, offered: dict[str, Tool], call: ToolCall) -> ToolOutcome:
        tool = offered.get(call.name)
        try:
            arguments = parse_arguments(call)
            if tool is None:
                raise ToolFailed(f"there is no tool named {call.name!r}; the tools are: {', '.join(offered)}")
        except ToolFailed as failed:
            return ToolOutcome(ToolCallRecord(call.id, call.name, call.arguments[:2000]), error=failed.message)
        if tool.tool_type is ToolType.SUB_ASSISTANT:
            return await self._ask(caller, call, arguments)
        return await self.toolbox.run(caller, tool, call, arguments)

    async def _ask(self, caller: Caller, call: ToolCall, arguments: dict[str, Any]) -> ToolOutcome:
        """Another of the person's assistants answers a question with its own tools, without the conversation."""
        record = ToolCallRecord(call.id, call.name, arguments)
        if caller.depth + 1 >= self.policy.max_depth:
            return ToolOutcome(record, error="assistants may not ask further assistants from here")
        try:
            other = await self.assistants.get(uuid.UUID(str(arguments.get("assistant_id"))))
        except ValueError:
            other = None
        if other is None or other.owner_id != caller.principal.user_id:
            return ToolOutcome(record, error="no such assistant")
        question = str(arguments.get("question", ""))
        deeper = Caller(caller.principal, caller.timezone, caller.conversation_id, caller.depth + 1)
        answer = await self.run(deeper, other, [Turn("system", other.instructions), Turn("user", question)])
        return ToolOutcome(record, {"assistant": other.name, "answer": answer.content})

    async def _record(self, reply: Reply, step: Step, listener: Listener) -> None:
        reply.steps.append(step)
        if listener.on_step is not None:
            await listener.on_step(step)

    async def _stopped(self, reply: Reply, what: str, listener: Listener) -> Reply:
        reply.content = STOPPED.format(what=what)
        await self._record(reply, Step(Turn("assistant", reply.content)), listener)
        return reply
