"""A fake Telegram Bot API on 127.0.0.1 that speaks the real wire format of ``sendMessage``.

It serves from its own thread and event loop, so it keeps answering while a test's loop waits, and worker
processes started by e2e tests can reach it too. A test can make the next requests fail or hang.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.support.services import free_port

Send = Any


@dataclass(frozen=True)
class SentMessage:
    chat_id: int
    text: str


@dataclass
class _Plan:
    failures: list[tuple[int, str, int | None]] = field(default_factory=list)
    hangs: list[float] = field(default_factory=list)


class FakeTelegram:
    def __init__(self, token: str = "123456:fake-bot-token") -> None:
        self.token = token
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.messages: list[SentMessage] = []
        self.requests = 0
        self._plan = _Plan()
        self._lock = threading.Lock()
        self._server = uvicorn.Server(
            uvicorn.Config(
                self._app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", interface="asgi3"
            )
        )
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve()), daemon=True)

    def start(self) -> FakeTelegram:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the fake Telegram server did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def fail_next(self, count: int, status: int, description: str = "failed", retry_after: int | None = None) -> None:
        with self._lock:
            self._plan.failures.extend([(status, description, retry_after)] * count)

    def hang_next(self, count: int, seconds: float) -> None:
        with self._lock:
            self._plan.hangs.extend([seconds] * count)

    def wait_for(self, count: int, timeout: float) -> list[SentMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"expected {count} messages, Telegram got {self.messages}"
            time.sleep(0.05)
        return list(self.messages)

    async def _app(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        status, answer = await self._answer(scope["path"], body)
        payload = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return _error(404, "Not Found")
        if not path.startswith(prefix):
            return _error(401, "Unauthorized")
        if path.removeprefix(prefix) != "sendMessage":
            return _error(404, "Not Found: method not found")
        with self._lock:
            self.requests += 1
            hang = self._plan.hangs.pop(0) if self._plan.hangs else 0.0
            failure = self._plan.failures.pop(0) if self._plan.failures else None
        if hang:
            await asyncio.sleep(hang)
        if failure is not None:
            status, description, retry_after = failure
            return _error(status, description, retry_after)
        message = json.loads(body or b"{}")
        if not message.get("chat_id") or not message.get("text"):
            return _error(400, "Bad Request: message text is empty")
        with self._lock:
            self.messages.append(SentMessage(int(message["chat_id"]), str(message["text"])))
            number = len(self.messages)
        result = {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": message["chat_id"], "type": "private"},
            "text": message["text"],
        }
        return 200, {"ok": True, "result": result}


def _error(status: int, description: str, retry_after: int | None = None) -> tuple[int, dict[str, Any]]:
    answer: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        answer["parameters"] = {"retry_after": retry_after}
    return status, answer
