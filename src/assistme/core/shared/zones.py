"""IANA time zones, as people name them."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistme.core.shared.errors import InvalidInput


def check_timezone(name: str, field: str = "timezone") -> str:
    """``name`` if it is a zone; else a 422 naming ``field``. A folder of the zone database ("Europe") raises
    IsADirectoryError from the tzdata package, hence OSError too."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput.field(field, f"unknown IANA time zone '{name}'") from None
    return name
