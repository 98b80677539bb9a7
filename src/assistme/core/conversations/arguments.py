"""A tool call's arguments, read defensively: the schema checked them, but an admin may have loosened a tool's
schema, so a value can still be missing or of another type. Each problem is a ``ToolFailed`` the model reads,
never a crash."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from assistme.core.conversations.model import ToolCall
from assistme.core.shared.errors import FieldError

# RFC 3339's date-time: "T" and "Z" in either case (its section 5.6), a space as its note allows.
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})?")


class ToolFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_arguments(call: ToolCall) -> dict[str, Any]:
    try:
        arguments = json.loads(call.arguments or "{}")
    except ValueError:
        raise ToolFailed("the arguments are not valid JSON") from None
    if not isinstance(arguments, dict):
        raise ToolFailed("the arguments must be a JSON object")
    return arguments


def text(arguments: dict[str, Any], name: str) -> str | None:
    value = arguments.get(name)
    if value is not None and not isinstance(value, str):
        raise ToolFailed(f"{name}: must be a string")
    return value


def required_text(arguments: dict[str, Any], name: str) -> str:
    value = text(arguments, name)
    if value is None or not value.strip():
        raise ToolFailed(f"{name}: this field is required")
    return value


def number(arguments: dict[str, Any], name: str) -> float | None:
    value = arguments.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolFailed(f"{name}: must be a number")
    return float(value)


def mapping(arguments: dict[str, Any], name: str) -> dict[str, Any]:
    value = arguments.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ToolFailed(f"{name}: must be an object")
    return value


def instant(arguments: dict[str, Any], name: str) -> datetime:
    """An RFC 3339 date-time with its UTC offset (``2030-01-01t10:00:00z`` included, which Python's
    ``fromisoformat`` refuses)."""
    raw = required_text(arguments, name).strip()
    found = _DATE_TIME.fullmatch(raw)
    if found is None:
        raise ToolFailed(f"{name}: not a date-time like 2030-01-01T09:00:00+01:00")
    day, clock, offset = found.groups()
    if offset is None:
        raise ToolFailed(f"{name} needs a UTC offset (Z or like +01:00)")
    try:
        return datetime.fromisoformat(f"{day}T{clock}{'+00:00' if offset in 'Zz' else offset}")
    except ValueError:  # a 13th month, a 25th hour, a leap second
        raise ToolFailed(f"{name}: {raw} is not a date-time that exists") from None


def refusal(errors: Sequence[FieldError], under: str | None = None) -> ToolFailed:
    """What a schema refused, field by field (``under`` names the object the fields are in)."""
    named = (".".join(part for part in (under, e.field) if part) or "arguments" for e in errors)
    return ToolFailed("; ".join(f"{name}: {e.message}" for name, e in zip(named, errors, strict=True)))
