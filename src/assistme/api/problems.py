"""One place that turns every error into RFC 9457 problem+json; no stack trace ever reaches a client."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from assistme.core.shared.errors import (
    BadRequest,
    Conflict,
    DomainError,
    InvalidInput,
    ModelFailed,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger("assistme.errors")

PROBLEM = "application/problem+json"
_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    PermissionDenied: 403,
    Unauthenticated: 401,
    InvalidInput: 422,
    BadRequest: 400,
    ModelFailed: 502,
    RateLimited: 429,
    Unavailable: 503,
}
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")
_BODY = "data"  # Litestar's name for the request body; its errors at the body's root carry this key


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, object] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(exc: DomainError) -> int:
    return next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status = status_of(exc)
    headers: dict[str, str] = {}
    errors = None
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited | Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, InvalidInput):
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return problem(
        status, exc.detail, title=exc.title, errors=errors, headers=headers or None, extensions=exc.extensions
    )


def _field_errors(exc: ValidationException) -> list[dict[str, str]]:
    """Litestar's messages, each with the dotted path of the field it is about."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        message = str(item.get("message", "invalid value"))
        key = str(item.get("key") or "")
        path = [key] if key and key != _BODY else []
        if message == f"'{key}'":  # a missing argument: Litestar reports the KeyError itself
            message = "this field is required"
        elif unknown := _UNKNOWN_FIELD.search(message):
            path.append(unknown.group(1))
            message = "this field cannot be set here"
        elif missing := _MISSING_FIELD.search(message):
            path.append(missing.group(1))
            message = "this field is required"
        field = ".".join(path) or ("body" if key == _BODY else str(item.get("source") or "request"))
        errors.append({"field": field, "message": message})
    return errors


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    if errors := _field_errors(exc):
        return problem(422, "the request has invalid fields", title="Invalid input", errors=errors)
    # Nothing names a field (a multipart body without its boundary, say): the request itself is malformed.
    return problem(400, str(exc.detail), title="Malformed request")


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    detail = exc.detail if status < 500 else HTTPStatus(status).phrase
    return problem(status, detail, headers=exc.headers)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    # The traceback goes to the log, under the request's id; the client learns only that it failed.
    request_id = request.scope.get("state", {}).get("request_id")
    log.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"fields": {"request_id": request_id}},
    )
    return problem(500, "something went wrong on our side")


HANDLERS = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
