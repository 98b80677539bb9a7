"""A fake Telegram Bot API on 127.0.0.1 that speaks the real wire format of ``sendMessage``.

It serves from its own thread and event loop, so it keeps answering while a test's loop is busy, and worker
processes started by e2e tests can reach it too. A test can make the next requests fail or hang. Like the real
API, a request that hangs past the client's timeout is still delivered once the hang is over.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.support.loopback_server import LoopbackServer, Receive, Send, read_body

Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SentMessage:
    chat_id: int
    text: str


class FakeTelegram(LoopbackServer):
    """``with FakeTelegram() as telegram:`` then point the adapter at ``telegram.base_url`` with ``telegram.token``."""

    label = "the fake Telegram server"

    def __init__(self, token: str = "123456:fake-bot-token") -> None:
        self.token = token
        self.messages: list[SentMessage] = []  # appended under the lock; list reads and clear() are atomic
        self.requests = 0
        self._failures: list[Answer] = []
        self._hangs: list[float] = []
        self._lock = threading.Lock()
        super().__init__()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.requests = 0
            self._failures.clear()
            self._hangs.clear()

    def fail_next(self, count: int, status: int, description: str = "failed", retry_after: int | None = None) -> None:
        """The next ``count`` sendMessage requests answer ``status`` with Telegram's error JSON (and no delivery)."""
        with self._lock:
            self._failures.extend([_error(status, description, retry_after)] * count)

    def hang_next(self, count: int, seconds: float) -> None:
        """The next ``count`` sendMessage requests wait ``seconds`` before being handled (then fail or deliver)."""
        with self._lock:
            self._hangs.extend([seconds] * count)

    def wait_for(self, count: int, timeout: float) -> list[SentMessage]:
        """Block until ``count`` messages were accepted; a copy of them all. Blocking: from async code, use
        ``await asyncio.to_thread(telegram.wait_for, ...)``."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"expected {count} messages within {timeout} s, got {self.messages}"
            time.sleep(0.02)
        return list(self.messages)

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        status, answer = await self._answer(scope["path"], body)
        payload = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _answer(self, path: str, body: bytes) -> Answer:
        parts = path.split("/")  # "", "bot<token>", "<method>"
        if len(parts) != 3 or not parts[1].startswith("bot"):
            return _error(404, "Not Found")
        token, method = parts[1].removeprefix("bot"), parts[2]
        if method == "sendMessage":
            with self._lock:
                self.requests += 1
        if token != self.token:
            return _error(401, "Unauthorized")
        if method != "sendMessage":
            return _error(404, "Not Found: method not found")
        with self._lock:
            hang = self._hangs.pop(0) if self._hangs else 0.0
        if hang:
            await asyncio.sleep(hang)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        return failure if failure is not None else self._deliver(body)

    def _deliver(self, body: bytes) -> Answer:
        try:
            message = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "Bad Request: can't parse JSON")
        chat_id = message.get("chat_id") if isinstance(message, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or not isinstance(text, str) or not text.strip():
            return _error(400, "Bad Request: message text is empty")
        with self._lock:
            self.messages.append(SentMessage(chat_id, text))
            number = len(self.messages)
        result = {"message_id": number, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}}
        return 200, {"ok": True, "result": {**result, "text": text}}


def _error(status: int, description: str, retry_after: int | None = None) -> Answer:
    answer: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        answer["parameters"] = {"retry_after": retry_after}
    return status, answer
