"""The agent loop on a scripted model: tools called and fed back, bad calls answered as errors, limits kept."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from assistme.core.assistants.entities import Assistant, AssistantType, Tool, ToolType
from assistme.core.conversations.agent import AgentLoop, Listener, Step
from assistme.core.conversations.entities import ToolCallRecord
from assistme.core.conversations.model import Completion, Request, ToolCall, Turn
from assistme.core.conversations.policy import AgentPolicy
from assistme.core.conversations.toolbox import Caller, ToolOutcome
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import FieldError, ModelFailed, Unavailable

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
OWNER = uuid.uuid4()


def tool(name: str, kind: ToolType, *required: str) -> Tool:
    schema = {"type": "object", "required": list(required)}
    return Tool(uuid.uuid4(), name, kind, f"the {name} tool", schema, True, NOW, NOW)


TIME, ASK = tool("time", ToolType.TIME), tool("ask", ToolType.SUB_ASSISTANT, "assistant_id", "question")


def assistant(
    *tools: Tool, instructions: str = "be brief", kind: AssistantType = AssistantType.LLM, name: str = "Sec"
) -> Assistant:
    return Assistant(
        uuid.uuid4(), OWNER, name, "gpt-test", instructions, kind, True, None, NOW, NOW, [t.id for t in tools]
    )


def call(name: str, arguments: str = "{}") -> Completion:
    return Completion(None, (ToolCall(f"call-{uuid.uuid4().hex[:6]}", name, arguments),), "tool_calls", 10)


@dataclass
class Model:
    """Answers from ``script`` in order (an exception in it is raised), then "done"."""

    script: list[Completion | Exception]
    requests: list[Request] = field(default_factory=list)

    async def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        answer = self.script.pop(0) if self.script else Completion("done", tokens=10)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def stream(self, request: Request) -> Any:
        raise NotImplementedError


@dataclass
class Models:
    model: Model | None
    types: tuple[str, ...] = ("llm",)  # the assistant types with a configured server

    def for_type(self, assistant_type: str) -> Model | None:
        return self.model if assistant_type in self.types else None


@dataclass
class Toolbox:
    ran: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def run(self, caller: Caller, tool: Tool, call: ToolCallRecord, arguments: dict[str, Any]) -> ToolOutcome:
        self.ran.append((tool.name, arguments))
        return ToolOutcome(call, {"now": "09:00"})


class Checker:
    """Only ``required``: enough to see that every call, a sub-assistant's included, meets its schema."""

    def violations(self, instance: Any, schema: dict[str, Any]) -> list[FieldError]:
        return [
            FieldError(name, "this field is required") for name in schema.get("required", ()) if name not in instance
        ]


@dataclass
class Registry:
    """Assistants and tools by id."""

    assistants: dict[uuid.UUID, Assistant] = field(default_factory=dict)
    tools: dict[uuid.UUID, Tool] = field(default_factory=dict)

    async def get(self, key: uuid.UUID) -> Any:
        return self.assistants.get(key) or self.tools.get(key)


class Uow:
    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


def loop(model: Model | None, registry: Registry, toolbox: Toolbox, **policy: Any) -> AgentLoop:
    models = Models(model)
    return AgentLoop(models, toolbox, registry, registry, Checker(), AgentPolicy(**policy), Uow())  # type: ignore[arg-type]


CALLER = Caller(Principal(OWNER), "Europe/Berlin", uuid.uuid4())
START = [Turn("system", "be brief"), Turn("user", "what time is it?")]


@pytest.fixture
def registry() -> Registry:
    return Registry(tools={TIME.id: TIME, ASK.id: ASK})


async def test_a_tool_call_is_run_and_its_result_fed_back(registry: Registry) -> None:
    model, toolbox = Model([call("time", '{"timezone": "UTC"}'), Completion("It is nine.", tokens=5)]), Toolbox()
    steps: list[Step] = []

    async def on_step(step: Step) -> None:
        steps.append(step)

    reply = await loop(model, registry, toolbox).run(CALLER, assistant(TIME), START, Listener(on_step))
    assert reply.content == "It is nine."
    assert reply.tokens == 15
    assert toolbox.ran == [("time", {"timezone": "UTC"})]
    assert [f.name for f in model.requests[0].functions] == ["time"]
    second = model.requests[1].turns
    assert second[-2].tool_calls[0].name == "time"
    assert (second[-1].role, json.loads(second[-1].content or "")) == ("tool", {"now": "09:00"})
    assert second[-1].tool_call_id == second[-2].tool_calls[0].id
    assert [len(s.outcomes) for s in steps] == [1, 0]


@pytest.mark.parametrize(
    ("name", "arguments", "error"),
    [
        ("time", "{not json", "the arguments are not valid JSON"),
        ("time", "[1, 2]", "the arguments must be a JSON object"),
        ("rm_rf", "{}", "there is no tool named 'rm_rf'; the tools are: time"),
    ],
)
async def test_bad_calls_are_answered_as_errors_the_model_can_read(
    registry: Registry, name: str, arguments: str, error: str
) -> None:
    model, toolbox = Model([call(name, arguments)]), Toolbox()
    reply = await loop(model, registry, toolbox).run(CALLER, assistant(TIME), START)
    assert reply.content == "done"
    assert toolbox.ran == []
    assert json.loads(model.requests[1].turns[-1].content or "") == {"error": error}


async def test_a_model_that_never_stops_calling_tools_is_stopped_at_the_step_limit(registry: Registry) -> None:
    model = Model([call("time") for _ in range(20)])
    reply = await loop(model, registry, Toolbox(), max_steps=3).run(CALLER, assistant(TIME), START)
    assert len(model.requests) == 3
    assert "limit of 3 steps" in reply.content


async def test_the_token_budget_ends_a_reply(registry: Registry) -> None:
    model = Model([call("time") for _ in range(20)])
    reply = await loop(model, registry, Toolbox(), token_budget=25).run(CALLER, assistant(TIME), START)
    assert len(model.requests) == 3
    assert "limit of tokens" in reply.content


async def test_a_sub_assistant_answers_with_its_own_instructions_within_the_depth_limit(registry: Registry) -> None:
    helper = assistant(instructions="you know trains")
    registry.assistants[helper.id] = helper
    question = json.dumps({"assistant_id": str(helper.id), "question": "next train?"})
    model = Model([call("ask", question), Completion("At 10:05."), Completion("Your train leaves at 10:05.")])
    reply = await loop(model, registry, Toolbox()).run(CALLER, assistant(ASK), START)
    assert reply.content == "Your train leaves at 10:05."
    assert [t.content for t in model.requests[1].turns] == ["you know trains", "next train?"]
    assert json.loads(model.requests[2].turns[-1].content or "") == {"assistant": "Sec", "answer": "At 10:05."}

    deep = Caller(CALLER.principal, CALLER.timezone, CALLER.conversation_id, depth=1)
    model = Model([call("ask", question)])
    await loop(model, registry, Toolbox()).run(deep, assistant(ASK), START)
    assert json.loads(model.requests[1].turns[-1].content or "") == {
        "error": "assistants may not ask further assistants from here"
    }


async def test_another_persons_assistant_cannot_be_asked(registry: Registry) -> None:
    stranger = assistant()
    stranger.owner_id = uuid.uuid4()
    registry.assistants[stranger.id] = stranger
    model = Model([call("ask", json.dumps({"assistant_id": str(stranger.id), "question": "hi"}))])
    await loop(model, registry, Toolbox()).run(CALLER, assistant(ASK), START)
    assert json.loads(model.requests[1].turns[-1].content or "") == {"error": "no such assistant"}


async def test_without_a_configured_model_the_reply_is_unavailable(registry: Registry) -> None:
    with pytest.raises(Unavailable, match="no language model configured for llm"):
        await loop(None, registry, Toolbox()).run(CALLER, assistant(), START)


def helper_for(registry: Registry, **kw: Any) -> tuple[Assistant, str]:
    """Another of the owner's assistants, and the arguments of a call that asks it something."""
    helper = assistant(instructions="you know trains", name="Trains", **kw)
    registry.assistants[helper.id] = helper
    return helper, json.dumps({"assistant_id": str(helper.id), "question": "next train?"})


async def test_a_sub_assistant_spends_the_replys_token_budget(registry: Registry) -> None:
    _, question = helper_for(registry)
    model = Model([call("ask", question), call("time"), call("time"), call("time")])  # each 10 tokens
    reply = await loop(model, registry, Toolbox(), token_budget=25).run(CALLER, assistant(ASK), START)
    # The helper had the 15 tokens left, stopped after two calls, and the reply stopped with it.
    assert len(model.requests) == 3
    assert reply.tokens == 30
    assert "limit of tokens" in reply.content


async def test_a_sub_assistant_whose_model_is_missing_or_failing_is_an_error_the_model_reads(
    registry: Registry,
) -> None:
    _, unconfigured = helper_for(registry, kind=AssistantType.OPENAI_API)
    model = Model([call("ask", unconfigured), Completion("It cannot say.")])
    reply = await loop(model, registry, Toolbox()).run(CALLER, assistant(ASK), START)
    assert reply.content == "It cannot say."
    assert json.loads(model.requests[1].turns[-1].content or "") == {
        "error": "Trains could not answer: no language model configured for openai_api assistants"
    }
    _, question = helper_for(registry)
    model = Model([call("ask", question), ModelFailed("the language model server refused the request (400)")])
    reply = await loop(model, registry, Toolbox()).run(CALLER, assistant(ASK), START)
    assert reply.content == "done"
    assert "refused the request" in json.loads(model.requests[2].turns[-1].content or "")["error"]


async def test_each_model_call_is_announced_a_sub_assistants_too(registry: Registry) -> None:
    _, question = helper_for(registry)
    model, announced = Model([call("ask", question), call("time"), Completion("At 10:05.")]), []

    async def on_call() -> None:
        announced.append(len(model.requests))

    await loop(model, registry, Toolbox()).run(CALLER, assistant(ASK, TIME), START, Listener(on_call=on_call))
    assert announced == [0, 1, 2, 3]  # before each of the four requests, the helper's two included


async def test_sub_assistant_arguments_meet_its_schema(registry: Registry) -> None:
    model = Model([call("ask", json.dumps({"question": "hi"}))])
    await loop(model, registry, Toolbox()).run(CALLER, assistant(ASK), START)
    assert len(model.requests) == 2  # nobody else was asked
    assert json.loads(model.requests[1].turns[-1].content or "") == {"error": "assistant_id: this field is required"}


async def test_what_is_stored_of_a_call_has_its_secrets_masked_on_every_path(registry: Registry) -> None:
    _, question = helper_for(registry)
    asked = json.dumps({**json.loads(question), "password": "hunter2"})
    model = Model(
        [
            call("rm_rf", json.dumps({"api_token": "s3cret", "max_tokens": 5})),
            call("time", '{"password": "hunter2", "timezone": '),
            call("ask", asked),
        ]
    )
    steps: list[Step] = []

    async def on_step(step: Step) -> None:
        steps.append(step)

    await loop(model, registry, Toolbox()).run(CALLER, assistant(ASK, TIME), START, Listener(on_step))
    stored = [step.outcomes[0].call.arguments for step in steps if step.outcomes]
    assert stored[0] == {"api_token": "***", "max_tokens": 5}
    assert stored[1] == '{"password": "***", "timezone": '
    assert stored[2]["password"] == "***"
    assert "hunter2" not in json.dumps(stored)


async def test_tools_whose_names_clean_up_alike_are_all_offered(registry: Registry) -> None:
    long_ones = [tool("t" * 64 + suffix, ToolType.TIME) for suffix in ("a", "b", "c")]
    registry.tools |= {t.id: t for t in long_ones}
    model = Model([Completion("hi")])
    await loop(model, registry, Toolbox()).run(CALLER, assistant(*long_ones), START)
    names = [f.name for f in model.requests[0].functions]
    assert len(set(names)) == 3
    assert all(len(name) <= 64 for name in names)
