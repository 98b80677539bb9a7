"""The agent loop: the model answers, or calls tools whose results it reads, until a final answer or a limit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistme.core.assistants.entities import Assistant, Tool, ToolType
from assistme.core.assistants.ports import AssistantRepository, ToolRepository
from assistme.core.conversations.arguments import ToolFailed, parse_arguments, refusal, required_text
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
from assistme.core.conversations.redaction import redact, redact_text
from assistme.core.conversations.toolbox import Caller, ToolBox, ToolOutcome
from assistme.core.integrations.ports import ParamsChecker
from assistme.core.shared.errors import ModelFailed, StoreUnavailable, Unavailable
from assistme.core.shared.uow import UnitOfWork

_FUNCTION_NAME = re.compile(r"[^a-zA-Z0-9_-]")
MAX_FUNCTION_NAME = 64
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
    # Before each model call, a sub-assistant's included: where a worker or a reply extends its lease.
    on_call: Callable[[], Awaitable[None]] | None = None


@dataclass(slots=True)
class Reply:
    content: str
    steps: list[Step] = field(default_factory=list)
    tokens: int = 0  # the sub-assistants' included


def offered(tools: Sequence[Tool]) -> dict[str, Tool]:
    """Each tool under a function name of its own: OpenAI allows ``[a-zA-Z0-9_-]{1,64}``, so a name is cleaned and
    cut, and one that two tools would share gets a number rather than hiding the first tool."""
    named: dict[str, Tool] = {}
    for tool in tools:
        base = _FUNCTION_NAME.sub("_", tool.name)[:MAX_FUNCTION_NAME] or "tool"
        name, number = base, 1
        while name in named:
            number += 1
            name = f"{base[: MAX_FUNCTION_NAME - len(str(number)) - 1]}_{number}"
        named[name] = tool
    return named


async def model_for(models: LanguageModels, assistant: Assistant) -> LanguageModel:
    model = models.for_type(assistant.assistant_type.value)
    if model is None:
        raise Unavailable(f"no language model configured for {assistant.assistant_type.value} assistants", 3600)
    return model


@dataclass(slots=True)
class AgentLoop:
    """Every call the model makes is checked against its tool's schema, and stored with secrets masked, whatever
    becomes of it. A sub-assistant answers within what is left of the reply's token budget, and its tokens count
    towards it."""

    models: LanguageModels
    toolbox: ToolBox
    assistants: AssistantRepository
    tools: ToolRepository
    checker: ParamsChecker
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
        reply = Reply("")
        await self._run(
            reply, caller, assistant, turns, listener=listener or Listener(), budget=self.policy.token_budget
        )
        return reply

    async def _run(
        self,
        reply: Reply,
        caller: Caller,
        assistant: Assistant,
        turns: Sequence[Turn],
        *,
        listener: Listener,
        budget: int,
    ) -> None:
        """Fills ``reply`` as it goes, so the tokens spent are known even when a model call fails."""
        model = await model_for(self.models, assistant)
        tools = offered(await self.tools_of(assistant))
        functions = [FunctionSpec(name, tool.description, tool.input_schema) for name, tool in tools.items()]
        await self.uow.commit()
        history = list(turns)
        for _ in range(self.policy.max_steps):
            if listener.on_call is not None:
                await listener.on_call()
            request = Request(assistant.model, history, functions, self.policy.max_reply_tokens)
            completion = await self._complete(model, request, listener)
            reply.tokens += completion.tokens
            said = Turn("assistant", completion.content, completion.tool_calls)
            if not completion.tool_calls:
                reply.content = completion.content or ""
                await self._record(reply, Step(said), listener)
                return
            outcomes = []
            for call in completion.tool_calls:
                outcomes.append(await self._call(caller, tools, call, listener, budget - reply.tokens))
                reply.tokens += outcomes[-1].tokens
            await self._record(reply, Step(said, tuple(outcomes)), listener)
            history.append(said)
            history += [Turn("tool", outcome.content, tool_call_id=outcome.call.id) for outcome in outcomes]
            if reply.tokens >= budget:
                await self._stopped(reply, "tokens", listener)
                return
        await self._stopped(reply, f"{self.policy.max_steps} steps", listener)

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

    async def _call(
        self, caller: Caller, tools: dict[str, Tool], call: ToolCall, listener: Listener, budget: int
    ) -> ToolOutcome:
        try:
            arguments = parse_arguments(call)
        except ToolFailed as failed:  # stored as far as it reads, secrets masked all the same
            return ToolOutcome(ToolCallRecord(call.id, call.name, redact_text(call.arguments)), error=failed.message)
        record = ToolCallRecord(call.id, call.name, redact(arguments))
        tool = tools.get(call.name)
        if tool is None:
            return ToolOutcome(record, error=f"there is no tool named {call.name!r}; the tools are: {', '.join(tools)}")
        if errors := self.checker.violations(arguments, tool.input_schema):
            return ToolOutcome(record, error=refusal(errors).message)
        if tool.tool_type is ToolType.SUB_ASSISTANT:
            return await self._ask(caller, record, arguments, listener, budget)
        return await self.toolbox.run(caller, tool, record, arguments)

    async def _ask(
        self, caller: Caller, record: ToolCallRecord, arguments: dict[str, Any], listener: Listener, budget: int
    ) -> ToolOutcome:
        """Another of the person's assistants answers a question with its own tools, without the conversation.
        Its model missing or failing is an error the asking model reads, not a failed reply."""
        if caller.depth + 1 >= self.policy.max_depth:
            return ToolOutcome(record, error="assistants may not ask further assistants from here")
        if budget <= 0:
            return ToolOutcome(record, error="this reply has no tokens left for another assistant")
        try:
            other_id, question = required_text(arguments, "assistant_id"), required_text(arguments, "question")
            other = await self.assistants.get(uuid.UUID(other_id))
        except ToolFailed as failed:
            return ToolOutcome(record, error=failed.message)
        except ValueError:
            other = None
        if other is None or other.owner_id != caller.principal.user_id:
            return ToolOutcome(record, error="no such assistant")
        deeper = Caller(caller.principal, caller.timezone, caller.conversation_id, caller.depth + 1)
        turns, answer = [Turn("system", other.instructions), Turn("user", question)], Reply("")
        try:
            await self._run(answer, deeper, other, turns, listener=Listener(on_call=listener.on_call), budget=budget)
        except StoreUnavailable:
            raise
        except (Unavailable, ModelFailed) as failed:
            return ToolOutcome(record, error=f"{other.name} could not answer: {failed.detail}", tokens=answer.tokens)
        return ToolOutcome(record, {"assistant": other.name, "answer": answer.content}, tokens=answer.tokens)

    async def _record(self, reply: Reply, step: Step, listener: Listener) -> None:
        reply.steps.append(step)
        if listener.on_step is not None:
            await listener.on_step(step)

    async def _stopped(self, reply: Reply, what: str, listener: Listener) -> None:
        reply.content = STOPPED.format(what=what)
        await self._record(reply, Step(Turn("assistant", reply.content)), listener)
