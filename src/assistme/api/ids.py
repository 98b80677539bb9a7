"""Ids in paths."""

from __future__ import annotations

from uuid import UUID

from assistme.core.shared.errors import NotFound


def parse_id(value: str, what: str) -> UUID:
    """A malformed id names nothing that exists: 404, exactly like a missing one."""
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(f"no such {what}") from None
