"""A fake OpenAI-compatible chat-completions server on 127.0.0.1 that speaks the real wire format.

A test scripts the answers, in order: ``reply``, ``call_tool``, ``calls_tools``, ``fail``. With the script empty, it
answers a call to ``loop_tool`` when one is set (a model that never stops calling tools), else the text ``default``.
``hang`` delays the next answer and ``break_stream`` cuts the next streamed one short; both are taken when a request
arrives, with the answer, so a request abandoned by its client never steals the answer meant for the next one.

Like OpenAI's API, it refuses (400, taking nothing from the script) a history where a ``tool`` message does not
answer a call of the assistant message before it, or where a call goes unanswered.

The request's ``stream`` field chooses between one JSON completion and Server-Sent Events (text in word-sized
deltas, tool-call arguments in several fragments keyed by ``index``, a usage chunk when ``stream_options`` asks for
it, then ``[DONE]``). Usage counts words: those of every message sent, and those of the reply.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Self

from tests.support.loopback_server import LoopbackServer, Receive, Send, read_body

CUT_SHORT = "ASGI callable returned without completing response."  # what uvicorn logs when break_stream cuts
ORPHAN_RESULT = (
    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
)
UNANSWERED = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
    "The following tool_call_ids did not have response messages: "
)
ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error"}


@dataclass(frozen=True, slots=True)
class _Reply:
    content: str | None
    calls: tuple[tuple[str, str, str], ...] = ()  # id, name, raw arguments


@dataclass(frozen=True, slots=True)
class _Failure:
    status: int
    message: str
    retry_after: int | None


class FakeLlm(LoopbackServer):
    """``with FakeLlm() as llm:`` then point the adapter at ``llm.base_url + "/v1"`` with ``llm.api_key``."""

    label = "the fake language model server"

    def __init__(self, api_key: str | None = "sk-fake-llm-0123456789") -> None:
        self.api_key = api_key
        self.default = "ok"
        self.loop_tool: str | None = None
        self.requests: list[dict[str, Any]] = []  # each request's JSON body, as it arrived
        self._key = api_key
        self._script: list[_Reply | _Failure] = []
        self._hangs: list[float] = []
        self._breaks = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__()

    def start(self) -> Self:
        logging.getLogger("uvicorn.error").addFilter(self._expected)
        return super().start()

    def stop(self) -> None:
        super().stop()
        logging.getLogger("uvicorn.error").removeFilter(self._expected)

    def _expected(self, record: logging.LogRecord) -> bool:
        """Keep uvicorn's log quiet about the streams this server cuts on purpose (and only those)."""
        return not (record.thread == self._thread.ident and record.getMessage() == CUT_SHORT)

    def reset(self) -> None:
        with self._lock:
            self.api_key, self.default, self.loop_tool = self._key, "ok", None
            self.requests.clear()
            self._script.clear()
            self._hangs.clear()
            self._breaks = 0

    async def received(self, count: int, within: float = 10.0) -> None:
        """Wait until ``count`` requests have arrived: a test acts while the model is busy with the last one."""
        deadline = time.monotonic() + within
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{self.label} had {len(self.requests)} of {count} requests"
            await asyncio.sleep(0.01)

    def reply(self, text: str) -> None:
        self._add(_Reply(text))

    def call_tool(self, name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> None:
        """One call; ``arguments`` as a str is sent as it is (malformed JSON, say)."""
        self._add(_Reply(None, (self._call(name, arguments, call_id),)))

    def calls_tools(self, calls: Sequence[tuple[str, dict[str, Any] | str]]) -> None:
        self._add(_Reply(None, tuple(self._call(name, arguments) for name, arguments in calls)))

    def fail(
        self,
        status: int,
        message: str = "The server had an error processing your request.",
        retry_after: int | None = None,
    ) -> None:
        self._add(_Failure(status, message, retry_after))

    def hang(self, seconds: float) -> None:
        with self._lock:
            self._hangs.append(seconds)

    def break_stream(self) -> None:
        with self._lock:
            self._breaks += 1

    def _add(self, answer: _Reply | _Failure) -> None:
        with self._lock:
            self._script.append(answer)

    def _call(self, name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> tuple[str, str, str]:
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments, separators=(",", ":"))
        return call_id or f"call_fake{next(self._ids)}", name, raw

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = _parse(await read_body(receive))
        if scope["method"] != "POST" or not scope["path"].endswith("/chat/completions"):
            await _fail(send, _Failure(404, f"Unknown request URL: {scope['method']} {scope['path']}.", None))
        elif request is None:
            await _fail(send, _Failure(400, "We could not parse the JSON body of your request.", None))
        else:
            authorization = dict(scope["headers"]).get(b"authorization", b"").decode()
            await self._respond(request, authorization, receive, send)

    async def _respond(self, request: dict[str, Any], authorization: str, receive: Receive, send: Send) -> None:
        streaming = request.get("stream") is True
        answer, hang, broken = self._take(request, authorization, streaming)
        if hang and not await _still_there(receive, hang):
            return
        completion_id = f"chatcmpl-fake{next(self._ids)}"
        if isinstance(answer, _Failure):
            await _fail(send, answer)
        elif streaming:
            await _stream(send, request, answer, completion_id, broken)
        else:
            await _send_json(send, 200, _completion(request, answer, completion_id))

    def _take(
        self, request: dict[str, Any], authorization: str, streaming: bool
    ) -> tuple[_Reply | _Failure, float, bool]:
        """Record the request and take what answers it: the answer, the hang before it, whether to break it."""
        with self._lock:
            self.requests.append(request)
            if self.api_key is not None and authorization != f"Bearer {self.api_key}":
                given = authorization.removeprefix("Bearer ")
                message = f"Incorrect API key provided: {given}." if given else "You didn't provide an API key."
                return _Failure(401, message, None), 0.0, False
            if (misordered := _misordered(request.get("messages"))) is not None:
                return _Failure(400, misordered, None), 0.0, False
            hang = self._hangs.pop(0) if self._hangs else 0.0
            answer = self._script.pop(0) if self._script else self._unscripted()
            broken = streaming and isinstance(answer, _Reply) and self._breaks > 0
            if broken:
                self._breaks -= 1
            return answer, hang, broken

    def _unscripted(self) -> _Reply:
        if self.loop_tool is not None:
            return _Reply(None, (self._call(self.loop_tool, {}),))
        return _Reply(self.default)


async def _still_there(receive: Receive, seconds: float) -> bool:
    """Wait ``seconds``, or less if the client goes away (then False): a hung answer nobody awaits is dropped."""
    gone = asyncio.ensure_future(receive())  # the body was read: the next event is the disconnection
    done, _ = await asyncio.wait({gone}, timeout=seconds)
    gone.cancel()
    return not done


def _misordered(messages: Any) -> str | None:
    """OpenAI's refusal of a history whose tool messages do not answer, in order, the assistant message before."""
    if not isinstance(messages, list):
        return None
    unanswered: list[Any] = []  # ids of the calls of the latest assistant message still waiting for a result
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":
            if message.get("tool_call_id") not in unanswered:
                return ORPHAN_RESULT
            unanswered.remove(message.get("tool_call_id"))
            continue
        if unanswered:
            break
        calls = message.get("tool_calls") if role == "assistant" else None
        unanswered = [call.get("id") for call in calls or [] if isinstance(call, dict)]
    return f"{UNANSWERED}{', '.join(map(str, unanswered))}" if unanswered else None


def _parse(body: bytes) -> dict[str, Any] | None:
    try:
        request = json.loads(body)
    except ValueError:
        return None
    return request if isinstance(request, dict) else None


async def _fail(send: Send, failure: _Failure) -> None:
    """OpenAI's error body: ``{"error": {"message", "type", "param", "code"}}``, and Retry-After when asked."""
    status = failure.status
    kind = ERROR_TYPES.get(status, "rate_limit_error" if status == 429 else "server_error")
    code = {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status)
    body = {"error": {"message": failure.message, "type": kind, "param": None, "code": code}}
    retry_after = [] if failure.retry_after is None else [(b"retry-after", str(failure.retry_after).encode())]
    await _send_json(send, status, body, retry_after)


async def _send_json(send: Send, status: int, body: dict[str, Any], extra: Sequence[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _completion(request: dict[str, Any], reply: _Reply, completion_id: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
    if reply.calls:
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
            for call_id, name, arguments in reply.calls
        ]
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(reply)}
    return {**_head(request, completion_id, "chat.completion"), "choices": [choice], "usage": _usage(request, reply)}


async def _stream(send: Send, request: dict[str, Any], reply: _Reply, completion_id: str, broken: bool) -> None:
    headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    usage = (request.get("stream_options") or {}).get("include_usage") is True
    head = {**_head(request, completion_id, "chat.completion.chunk"), **({"usage": None} if usage else {})}
    events = [
        {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        for delta, finish in _deltas(reply)
    ]
    if usage:
        events.append({**head, "choices": [], "usage": _usage(request, reply)})
    for number, event in enumerate(events):
        if broken and number == 3:
            return  # uvicorn closes the connection in the middle of the chunked body
        await send({"type": "http.response.body", "body": f"data: {json.dumps(event)}\n\n".encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


def _deltas(reply: _Reply) -> Iterator[tuple[dict[str, Any], str | None]]:
    yield {"role": "assistant", "content": "" if reply.content else None, "refusal": None}, None
    for piece in re.split(r"(?<=\s)(?=\S)", reply.content or ""):
        if piece:
            yield {"content": piece}, None
    for index, (call_id, name, arguments) in enumerate(reply.calls):
        first = {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        yield {"tool_calls": [first]}, None
        size = max(1, -(-len(arguments) // 3))
        for start in range(0, len(arguments), size):
            yield {"tool_calls": [{"index": index, "function": {"arguments": arguments[start : start + size]}}]}, None
    yield {}, _finish(reply)


def _head(request: dict[str, Any], completion_id: str, kind: str) -> dict[str, Any]:
    model = request.get("model")
    return {
        "id": completion_id,
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
    }


def _finish(reply: _Reply) -> str:
    return "tool_calls" if reply.calls else "stop"


def _usage(request: dict[str, Any], reply: _Reply) -> dict[str, int]:
    messages = request.get("messages")
    prompt = sum(_words(m.get("content")) for m in messages if isinstance(m, dict)) if isinstance(messages, list) else 0
    answer = _words(reply.content) + sum(_words(name) + _words(arguments) for _, name, arguments in reply.calls)
    return {"prompt_tokens": prompt, "completion_tokens": answer, "total_tokens": prompt + answer}


def _words(text: object) -> int:
    return len(text.split()) if isinstance(text, str) else 0
