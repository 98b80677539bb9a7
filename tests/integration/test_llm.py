"""The OpenAI-compatible chat adapter against a fake model server speaking the real wire format."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import httpx
import pytest

from assistme.adapters.llm.openai_chat import ConfiguredModels, OpenAiChat, pause
from assistme.core.conversations.model import Completion, FunctionSpec, Request, ToolCall, Turn
from assistme.core.shared.errors import DomainError, ModelFailed, Unavailable
from tests.support.fake_llm import FakeLlm
from tests.support.http import LoopbackOnly, loopback_client

E = TypeVar("E", bound=DomainError)
UNAVAILABLE = "the language model is unavailable, try again later"
WEATHER = FunctionSpec(
    "weather", "The weather in a city", {"type": "object", "properties": {"city": {"type": "string"}}}
)
HELLO = Request("test-model", [Turn("system", "You are terse."), Turn("user", "Say hello")])


@pytest.fixture
async def http(llm: FakeLlm) -> AsyncIterator[httpx.AsyncClient]:
    llm.reset()
    async with loopback_client() as client:
        yield client


def chat(http: httpx.AsyncClient, llm: FakeLlm, **options: Any) -> OpenAiChat:
    key = options.pop("api_key", llm.api_key)
    return OpenAiChat(http, f"{llm.base_url}/v1/", key, **{"timeout": 5.0, **options})


async def streamed(model: OpenAiChat, request: Request = HELLO) -> tuple[list[str], Completion]:
    chunks = [chunk async for chunk in model.stream(request)]
    *deltas, last = chunks
    assert all(chunk.completion is None for chunk in deltas)
    assert last.completion is not None
    assert last.delta == ""
    return [chunk.delta for chunk in deltas], last.completion


async def failure(kind: type[E], attempt: Callable[[], Any], *secrets: str) -> E:
    with pytest.raises(kind) as caught:
        await attempt()
    error = caught.value
    for secret in secrets:
        assert secret not in str(error)
        assert secret not in repr(error)
        assert secret not in error.detail
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None
    return error


async def test_a_text_reply_comes_back_with_the_servers_token_count(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.reply("Hello there, Ann.")
    completion = await chat(http, llm).complete(HELLO)
    assert completion == Completion("Hello there, Ann.", (), "stop", 5 + 3)  # words sent + words answered
    [sent] = llm.requests
    assert sent == {
        "model": "test-model",
        "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello"}],
    }


async def test_without_functions_no_tools_are_offered_and_max_tokens_only_when_set(
    http: httpx.AsyncClient, llm: FakeLlm
) -> None:
    model = chat(http, llm)
    await model.complete(HELLO)
    await model.complete(Request("m", HELLO.turns, max_tokens=50))
    assert ["tools" in body or "tool_choice" in body for body in llm.requests] == [False, False]
    assert [body.get("max_tokens") for body in llm.requests] == [None, 50]
    assert "max_tokens" not in llm.requests[0]


async def test_a_tool_call_round_trip_goes_in_openais_format(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    model = chat(http, llm)
    llm.call_tool("weather", {"city": "Paris"}, call_id="call_abc")
    llm.reply("Sunny in Paris.")
    ask = [Turn("user", "Weather in Paris?")]
    first = await model.complete(Request("m", ask, [WEATHER]))
    assert first.content is None
    assert first.finish_reason == "tool_calls"
    assert first.tool_calls == (ToolCall("call_abc", "weather", '{"city":"Paris"}'),)
    history = [*ask, Turn("assistant", first.content, first.tool_calls), Turn("tool", '{"temp": 21}', (), "call_abc")]
    second = await model.complete(Request("m", history, [WEATHER]))
    assert (second.content, second.tool_calls, second.finish_reason) == ("Sunny in Paris.", (), "stop")
    spec = {"name": "weather", "description": "The weather in a city", "parameters": WEATHER.parameters}
    offered = {"type": "function", "function": spec}
    assert [(body["tools"], body["tool_choice"]) for body in llm.requests] == [([offered], "auto")] * 2
    assert llm.requests[1]["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_abc", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_abc", "content": '{"temp": 21}'},
    ]


async def test_several_tool_calls_in_one_reply_keep_their_order(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.calls_tools([("weather", {"city": "Oslo"}), ("time", {}), ("weather", {"city": "Rome"})])
    completion = await chat(http, llm).complete(Request("m", [Turn("user", "?")], [WEATHER]))
    calls = completion.tool_calls
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("weather", {"city": "Oslo"}),
        ("time", {}),
        ("weather", {"city": "Rome"}),
    ]
    assert len({c.id for c in calls}) == 3


async def test_malformed_arguments_are_passed_through_as_raw_text(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.call_tool("weather", '{"city": "Par')
    [call] = (await chat(http, llm).complete(Request("m", [Turn("user", "?")], [WEATHER]))).tool_calls
    assert call.arguments == '{"city": "Par'
    llm.call_tool("weather", "{not json")
    _, completion = await streamed(chat(http, llm), Request("m", [Turn("user", "?")], [WEATHER]))
    assert [c.arguments for c in completion.tool_calls] == ["{not json"]


async def test_streamed_text_arrives_in_order_then_the_whole_completion(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.reply("Hello there, Ann.")
    deltas, completion = await streamed(chat(http, llm))
    assert deltas == ["Hello ", "there, ", "Ann."]
    assert completion == Completion("Hello there, Ann.", (), "stop", 8)
    assert llm.requests[0]["stream"] is True
    assert llm.requests[0]["stream_options"] == {"include_usage": True}


async def test_streamed_tool_calls_are_assembled_from_fragments(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    arguments = {"city": "Reykjavík", "days": 3, "units": "metric"}
    llm.calls_tools([("weather", arguments), ("time", {"zone": "Europe/Oslo"})])
    deltas, completion = await streamed(chat(http, llm), Request("m", [Turn("user", "?")], [WEATHER]))
    assert deltas == []
    assert completion.content is None
    assert completion.finish_reason == "tool_calls"
    assert [(c.name, json.loads(c.arguments)) for c in completion.tool_calls] == [
        ("weather", arguments),
        ("time", {"zone": "Europe/Oslo"}),
    ]
    assert all(c.id.startswith("call_") for c in completion.tool_calls)
    assert completion.tokens > 0


async def test_server_errors_are_retried_with_backoff_until_one_succeeds(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.fail(503, "overloaded")
    llm.fail(503, "overloaded")
    llm.reply("finally")
    started = time.monotonic()
    completion = await chat(http, llm, retries=2).complete(HELLO)
    assert completion.content == "finally"
    assert len(llm.requests) == 3
    assert time.monotonic() - started >= 1.5  # 0.5 s, then 1 s


async def test_a_stream_is_retried_before_its_answer_begins(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.fail(502, "bad gateway")
    llm.reply("streamed after all")
    deltas, completion = await streamed(chat(http, llm, retries=1))
    assert "".join(deltas) == completion.content == "streamed after all"
    assert len(llm.requests) == 2


@pytest.mark.parametrize("streaming", [False, True])
async def test_a_server_that_keeps_failing_is_unavailable(
    http: httpx.AsyncClient, llm: FakeLlm, streaming: bool
) -> None:
    for _ in range(3):
        llm.fail(500)
    model = chat(http, llm, retries=1)
    attempt = (lambda: streamed(model)) if streaming else (lambda: model.complete(HELLO))
    down = await failure(Unavailable, attempt, llm.base_url, "127.0.0.1")
    assert (down.detail, down.retry_after) == (UNAVAILABLE, 5)
    assert len(llm.requests) == 2


async def test_a_rate_limit_waits_as_long_as_retry_after_says(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.fail(429, "Rate limit reached", retry_after=1)
    llm.reply("after the wait")
    started = time.monotonic()
    assert (await chat(http, llm, retries=1).complete(HELLO)).content == "after the wait"
    assert time.monotonic() - started >= 1.0
    llm.fail(429, "Rate limit reached", retry_after=7)
    limited = await failure(Unavailable, lambda: chat(http, llm, retries=0).complete(HELLO))
    assert (limited.detail, limited.retry_after) == (UNAVAILABLE, 7)


def test_retries_back_off_and_never_wait_more_than_ten_seconds() -> None:
    assert [pause(attempt, None) for attempt in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]
    assert (pause(0, 3.0), pause(1, 0.0), pause(0, 120.0)) == (3.0, 0.0, 10.0)


async def test_refused_credentials_fail_without_showing_the_key(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    wrong = "sk-wrong-key-4242424242"
    refused = await failure(ModelFailed, lambda: chat(http, llm, api_key=wrong).complete(HELLO), wrong)
    assert refused.detail == "the language model server refused our credentials"
    assert len(llm.requests) == 1  # not retried
    anonymous = await failure(ModelFailed, lambda: streamed(chat(http, llm, api_key=None)))
    assert anonymous.detail == "the language model server refused our credentials"


async def test_a_refused_request_fails_with_the_servers_reason(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.fail(400, "The model `gpt-9` does not exist")
    refused = await failure(ModelFailed, lambda: chat(http, llm).complete(HELLO))
    assert refused.detail == "the language model server refused the request (400): The model `gpt-9` does not exist"
    key = str(llm.api_key)
    llm.fail(422, f"{key} is not allowed to use\n\n" + "x" * 500)
    long = await failure(ModelFailed, lambda: streamed(chat(http, llm)), key)
    assert (
        long.detail
        == "the language model server refused the request (422): " + ("*** is not allowed to use " + "x" * 500)[:200]
    )
    assert len(llm.requests) == 2


async def test_a_hang_beyond_the_timeout_is_unavailable(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.hang(3.0)
    started = time.monotonic()
    await failure(Unavailable, lambda: chat(http, llm, timeout=0.3, retries=0).complete(HELLO), llm.base_url)
    assert time.monotonic() - started < 2.0
    llm.hang(3.0)
    llm.reply("too late")  # the hung request's answer, taken when it arrived
    llm.reply("second try")
    assert (await chat(http, llm, timeout=0.3, retries=1).complete(HELLO)).content == "second try"


async def test_a_stream_broken_half_way_is_unavailable_and_not_retried(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    llm.reply("one two three four five")
    llm.break_stream()
    received: list[str] = []

    async def consume() -> None:
        async for chunk in chat(http, llm, retries=2).stream(HELLO):
            received.append(chunk.delta)

    await failure(Unavailable, consume, llm.base_url)
    assert received == ["one ", "two "]
    assert len(llm.requests) == 1


async def test_an_absent_server_is_unavailable(http: httpx.AsyncClient) -> None:
    gone = OpenAiChat(http, "http://127.0.0.1:9/v1", "sk-secret", retries=0)
    await failure(Unavailable, lambda: gone.complete(HELLO), "sk-secret", "127.0.0.1")


Mocked = Callable[..., OpenAiChat]


@pytest.fixture
async def mocked() -> AsyncIterator[Mocked]:
    """Adapters whose server answers the given responses, in order (through the loopback transport all the same)."""
    clients: list[httpx.AsyncClient] = []

    def model(*answers: httpx.Response) -> OpenAiChat:
        queue = list(answers)
        clients.append(httpx.AsyncClient(transport=LoopbackOnly(httpx.MockTransport(lambda _: queue.pop(0)))))
        return OpenAiChat(clients[-1], "http://127.0.0.1/v1", "sk-secret", retries=0)

    yield model
    for client in clients:
        await client.aclose()


SSE = {"content-type": "text/event-stream"}


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>proxy error</html>"),
        httpx.Response(200, json={"error": {"message": "no"}}),
        httpx.Response(200, json={"choices": []}),
        httpx.Response(200, json={"choices": [{"message": {"content": 7}}]}),
        httpx.Response(200, json={"choices": [{"message": {"tool_calls": [{"function": {"arguments": "{}"}}]}}]}),
    ],
)
async def test_a_body_that_is_not_a_completion_fails(mocked: Mocked, answer: httpx.Response) -> None:
    failed = await failure(ModelFailed, lambda: mocked(answer).complete(HELLO), "sk-secret")
    assert failed.detail == "the language model server answered something that is not a completion"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("data: {not json\n\n", ModelFailed),
        ('data: {"choices": [{"delta": {"content": "hi"}, "finish_reason": null}]}\n\n', Unavailable),  # cut short
        ('data: {"error": {"message": "overloaded"}}\n\n', Unavailable),
    ],
)
async def test_a_stream_that_is_not_a_completion_fails(mocked: Mocked, body: str, kind: type[DomainError]) -> None:
    await failure(kind, lambda: streamed(mocked(httpx.Response(200, text=body, headers=SSE))), "sk-secret")


async def test_a_stream_skips_comments_and_may_be_answered_whole(mocked: Mocked) -> None:
    events = [
        ": keep-alive",
        'data: {"choices": [{"delta": {"role": "assistant"}, "finish_reason": null}]}',
        "",
        "event: message",
        'data: {"choices": [{"delta": {"content": "a"}, "finish_reason": null}]}',
        "",
        'data: {"choices": [{"delta": {}, "finish_reason": "length"}]}',
        "",
    ]
    deltas, completion = await streamed(mocked(httpx.Response(200, text="\r\n".join(events), headers=SSE)))
    assert (deltas, completion) == (["a"], Completion("a", (), "length", 0))
    whole = {
        "choices": [{"message": {"content": "all at once"}, "finish_reason": "stop"}],
        "usage": {"total_tokens": 9},
    }
    deltas, completion = await streamed(mocked(httpx.Response(200, json=whole)))
    assert (deltas, completion) == (["all at once"], Completion("all at once", (), "stop", 9))


async def test_the_fake_answers_like_openai(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    url = f"{llm.base_url}/v1/chat/completions"
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    refused = await http.post(url, json=body)
    assert refused.status_code == 401
    assert set(refused.json()["error"]) == {"message", "type", "param", "code"}
    headers = {"Authorization": f"Bearer {llm.api_key}"}
    whole = (await http.post(url, json=body, headers=headers)).json()
    assert (whole["object"], whole["choices"][0]["message"]["content"]) == ("chat.completion", "ok")
    assert whole["usage"] == {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    llm.loop_tool = "time"
    response = await http.post(url, json={**body, "stream": True}, headers=headers)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line.removeprefix("data: ") for line in response.text.split("\n\n") if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert "usage" not in chunks[-1]  # not asked for
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    fragments = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks if "tool_calls" in c["choices"][0]["delta"]]
    assert fragments[0]["function"] == {"name": "time", "arguments": ""}
    assert len(fragments) >= 2
    assert {fragment["index"] for fragment in fragments} == {0}


async def test_configured_models_pick_the_server_by_assistant_type(http: httpx.AsyncClient, llm: FakeLlm) -> None:
    local, openai = chat(http, llm), chat(http, llm)
    models = ConfiguredModels(local, openai)
    assert (models.for_type("llm"), models.for_type("openai_api"), models.for_type("other")) == (local, openai, None)
    assert ConfiguredModels(None, openai).for_type("llm") is None
    assert ConfiguredModels(local, None).for_type("openai_api") is None
