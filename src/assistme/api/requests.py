"""The outermost layer: a request id on every response, one structured log line and one analytics record per
request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from assistme.core.analytics.buffer import CallBuffer
from assistme.core.analytics.entities import UNMATCHED

log = logging.getLogger("assistme.requests")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")  # what a log line and a header can carry safely


class RequestLog:
    """Wraps the whole app (404s and 405s included), so nothing escapes the id and the log line."""

    def __init__(self, app: ASGIApp, enabled: bool = True, calls: CallBuffer | None = None) -> None:
        self._app = app
        self._enabled = enabled
        self.calls = calls
        """Where each request is recorded for analytics (set when the app starts with analytics on)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = sent if _SAFE_ID.match(sent) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self._app(scope, receive, send_with_id)
        finally:
            if self._enabled:
                self._log(scope, request_id, status, started)
            if self.calls is not None:
                self._record(self.calls, scope, status, started)

    @staticmethod
    def _record(calls: CallBuffer, scope: Any, status: int, started: float) -> None:
        # The hot path: a tuple appended to a list, nothing else. The route template, never the raw path.
        principal = scope.get("user")
        calls.record(
            scope.get("path_template") or UNMATCHED,
            scope["method"],
            status,
            (time.perf_counter() - started) * 1000,
            None if principal is None else principal.user_id,
        )

    @staticmethod
    def _log(scope: Any, request_id: str, status: int, started: float) -> None:
        fields: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "request_id": request_id,
        }
        principal = scope.get("user")
        if principal is not None:
            if principal.user_id is not None:
                fields["user_id"] = str(principal.user_id)
            if principal.api_key_id is not None:
                fields["api_key_id"] = str(principal.api_key_id)
        log.info("request", extra={"fields": fields})
