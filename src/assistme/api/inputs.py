"""What every request's input must be before a handler sees it, checked in one place for every route.

- A JSON body is read strictly. Litestar converts bodies leniently (``"true"`` or ``1`` for a boolean, ``"12"`` for
  an integer, ``"null"`` for null); a value of the wrong JSON type is refused, 422 naming the field, as the schema
  says.
- A time in the query is an ISO 8601 string. Litestar would also take a number there as Unix seconds
  (``?since=0.5``), which the schema does not allow; it is refused, 422 naming the parameter.
- No text holds a NUL character, in a body (at any depth, keys too) or a query parameter: PostgreSQL cannot store
  one in ``text`` or ``jsonb``, so both setups refuse it alike, 422 naming the field, instead of failing with 500.

``request_guard`` runs it after the access guard, so an unauthenticated caller still gets 401 without its body being
read.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, get_args

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ParamType, RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.params import BodyKwarg, ParameterKwarg

from assistme.core.shared.errors import InvalidInput

NUL = "\x00"
NUL_MESSAGE = "must not contain a NUL character"
_ESCAPED_NUL = b"\\u0000"  # how JSON spells NUL inside a string; a raw NUL byte is malformed JSON (400) already
_AT = re.compile(r"^(?P<message>.*?) - at `\$(?P<path>[^`]*)`$")


async def input_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    for name, value in connection.query_params.multi_items():
        if NUL in name or NUL in str(value):
            raise InvalidInput.field(name.replace(NUL, "\\u0000"), NUL_MESSAGE)
    if not isinstance(handler, HTTPRouteHandler) or not isinstance(connection, Request):
        return
    for key in _time_parameters(handler):
        if (raw := connection.query_params.get(key)) is not None:
            try:
                msgspec.convert(raw, datetime, strict=True)
            except msgspec.ValidationError:
                raise InvalidInput.field(key, "must be an ISO 8601 time, such as 2026-01-05T07:00:00Z") from None
    body_type = _json_body_type(handler)
    if body_type is None:
        return
    body = await connection.body()
    if not body:
        return  # an empty body: Litestar names it
    if _ESCAPED_NUL in body:
        _refuse_nul(body)
    try:
        msgspec.json.decode(body, type=body_type, strict=True)
    except msgspec.ValidationError as strict:
        try:
            msgspec.json.decode(body, type=body_type, strict=False)
        except msgspec.DecodeError:
            return  # invalid either way: Litestar's own validation names the fields
        raise _coerced(strict) from None
    except msgspec.DecodeError:
        return  # malformed JSON: Litestar answers 400


def _time_parameters(handler: HTTPRouteHandler) -> list[str]:
    """The query keys of the handler's parameters that are times."""
    keys = []
    for name, parameter in handler.parsed_fn_signature.parameters.items():
        kwarg = parameter.kwarg_definition
        if not isinstance(kwarg, ParameterKwarg) or kwarg.param_type is not ParamType.QUERY:
            continue
        if datetime in (parameter.annotation, *get_args(parameter.annotation)):
            keys.append(kwarg.name or kwarg.query or name)
    return keys


def _json_body_type(handler: HTTPRouteHandler) -> Any:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    kwarg = data.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type is not RequestEncodingType.JSON:
        return None  # a form (the docs page's sign-in): not JSON
    return data.annotation


def _refuse_nul(body: bytes) -> None:
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return
    if (path := _nul_at(decoded, "")) is not None:
        raise InvalidInput.field(path or "body", NUL_MESSAGE)


def _nul_at(value: Any, path: str) -> str | None:
    """The dotted path of the first text holding a NUL, or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            if NUL in key:
                return inner.replace(NUL, "\\u0000")
            if (found := _nul_at(item, inner)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_at(item, f"{path}[{index}]")) is not None:
                return found
    return None


def _coerced(error: msgspec.ValidationError) -> InvalidInput:
    """msgspec's ``Expected `bool`, got `str` - at `$.tools[0].on``` as a field error on ``tools[0].on``."""
    if match := _AT.match(str(error)):
        return InvalidInput.field(match["path"].lstrip(".") or "body", match["message"])
    return InvalidInput.field("body", str(error))
