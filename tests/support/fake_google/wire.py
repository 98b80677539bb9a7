"""The HTTP pieces every part of the fake Google shares: a parsed request, an answer, Google's error JSON."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

STATUS_NAMES = {
    400: ("INVALID_ARGUMENT", "badRequest"),
    401: ("UNAUTHENTICATED", "authError"),
    403: ("PERMISSION_DENIED", "forbidden"),
    404: ("NOT_FOUND", "notFound"),
    409: ("ALREADY_EXISTS", "duplicate"),
    410: ("NOT_FOUND", "deleted"),
    429: ("RESOURCE_EXHAUSTED", "rateLimitExceeded"),
    500: ("INTERNAL", "backendError"),
    503: ("UNAVAILABLE", "backendError"),
}


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    segments: tuple[str, ...]  # the path's segments, each percent-decoded on its own
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def path(self) -> str:
        return "/" + "/".join(self.segments)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode(errors="replace")).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def bearer(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def basic(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        return unquote(user), unquote(password)


def parse(scope: dict[str, Any], body: bytes) -> Request:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    segments = tuple(unquote(part) for part in raw_path.decode("latin-1").split("?")[0].split("/") if part)
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
    return Request(scope["method"], segments, query, headers, body)


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds the answer waits, after the request was carried out


def answer(status: int, payload: Any, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, json.dumps(payload).encode(), headers=headers or {})


def text(status: int, page: str) -> Answer:
    return Answer(status, page.encode(), "text/html; charset=utf-8")


def redirect(location: str) -> Answer:
    return Answer(302, b"", "text/html; charset=UTF-8", {"location": location})


def empty() -> Answer:
    return Answer(204, b"", "")


def google_error(status: int, message: str, reason: str | None = None, **extra: Any) -> Answer:
    """Google's JSON error: ``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}``
    and whatever ``extra`` adds to it (``details``)."""
    name, default_reason = STATUS_NAMES.get(status, ("UNKNOWN", "unknown"))
    item = {"message": message, "domain": "global", "reason": reason or default_reason}
    error = {"code": status, "message": message, "errors": [item], "status": name} | extra
    return answer(status, {"error": error})


def oauth_error(status: int, error: str, description: str | None = None) -> Answer:
    body = {"error": error} | ({"error_description": description} if description else {})
    return answer(status, body, {"cache-control": "no-store", "pragma": "no-cache"})
