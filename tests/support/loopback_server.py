"""The life of a fake third-party server: uvicorn on 127.0.0.1, a free port, its own thread and event loop (so it
keeps answering while a test's loop is busy, and processes an e2e test starts can reach it too)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Self

import uvicorn

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def read_body(receive: Receive) -> bytes:
    """The whole request body, however many ASGI messages it came in."""
    body = b""
    while True:
        event = await receive()
        body += event.get("body", b"")
        if not event.get("more_body"):
            return body


class LoopbackServer:
    """A subclass sets its state, calls ``super().__init__()``, and answers in ``_app`` (ASGI 3)."""

    label = "the fake server"

    def __init__(self) -> None:
        self._port: int | None = None
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            interface="asgi3",  # a bound method: auto-detection would take it for ASGI2
            timeout_graceful_shutdown=5,  # a request still hanging at stop() is cut off, not waited for
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve()), daemon=True)

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        assert self._port is not None, f"start {self.label} first"
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert self._thread.is_alive(), f"{self.label} failed to start"
            assert time.monotonic() < deadline, f"{self.label} did not start within 10 s"
            time.sleep(0.01)
        self._port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
