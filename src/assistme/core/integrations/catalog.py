"""What a provider offers: the scopes it asks for and its actions, each with a parameter schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a connection can do. ``params`` is a JSON Schema (draft 2020-12) of an object; ``writes`` marks an
    action that changes something in the user's name (the agent holds those for the user to confirm)."""

    name: str
    description: str
    params: dict[str, Any]
    scopes: tuple[str, ...]
    writes: bool = False


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    title: str
    scopes: tuple[str, ...]  # what connecting asks for: the union of the actions' scopes
    actions: tuple[Action, ...] = field(default=())

    def action(self, name: str) -> Action | None:
        return next((action for action in self.actions if action.name == name), None)


def params(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object schema that refuses unknown parameters."""
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}
