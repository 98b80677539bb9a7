"""A webhook receiver on 127.0.0.1: it records every request (headers and body) and answers what a test scripts:
a status, a Retry-After, a redirect, a slow answer, a huge body."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.support.loopback_server import LoopbackServer, Receive, Send, read_body


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Scripted:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


class FakeReceiver(LoopbackServer):
    label = "the fake webhook receiver"

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._script: list[Scripted] = []
        self._lock = threading.Lock()
        super().__init__()

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._script.clear()

    def answer(
        self, status: int, *, headers: dict[str, str] | None = None, body: bytes = b"", delay: float = 0
    ) -> None:
        """The next request gets this answer; unscripted ones get 200."""
        with self._lock:
            self._script.append(Scripted(status, headers or {}, body, delay))

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self._lock:
            self.received.append(Received(scope["path"], headers, body))
            scripted = self._script.pop(0) if self._script else Scripted()
        if scripted.delay:
            await asyncio.sleep(scripted.delay)
        sent = [(k.encode(), v.encode()) for k, v in scripted.headers.items()]
        await send({"type": "http.response.start", "status": scripted.status, "headers": sent})
        await send({"type": "http.response.body", "body": scripted.body})
