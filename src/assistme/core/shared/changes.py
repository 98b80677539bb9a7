"""Partial updates: a change object holds UNSET for every field the caller left alone."""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import UNSET


def apply_changes(target: object, changes: object, names: Iterable[str]) -> None:
    """Copy each named field that was given from ``changes`` onto ``target``."""
    for name in names:
        value = getattr(changes, name)
        if value is not UNSET:
            setattr(target, name, value)
