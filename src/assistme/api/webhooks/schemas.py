"""Wire shapes of webhook endpoints and their deliveries."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from assistme.core.webhooks.entities import CATALOG, Delivery, Endpoint, EndpointChanges, EndpointSpec

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
EventName = Annotated[str, msgspec.Meta(max_length=60, pattern=f"^({'|'.join(map(re.escape, CATALOG))})$")]
EventList = Annotated[list[EventName], msgspec.Meta(min_length=1, max_length=20)]
Description = Annotated[str, msgspec.Meta(max_length=500)]


class WebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    events: EventList
    description: Description | None = None
    is_active: bool = True

    def to_spec(self) -> EndpointSpec:
        return EndpointSpec(self.url, list(self.events), self.description, self.is_active)


class WebhookPatch(msgspec.Struct, forbid_unknown_fields=True):
    url: Url | UnsetType = UNSET
    events: EventList | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET

    def to_changes(self) -> EndpointChanges:
        return EndpointChanges(
            url=None if isinstance(self.url, UnsetType) else self.url,
            events=None if isinstance(self.events, UnsetType) else list(self.events),
            description=None if isinstance(self.description, UnsetType) else self.description,
            is_active=None if isinstance(self.is_active, UnsetType) else self.is_active,
        )


class WebhookOut(msgspec.Struct):
    id: UUID
    url: str
    events: list[str]
    description: str | None
    is_active: bool
    disabled_reason: str | None  # why the server disabled it (410, failing too long)
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, e: Endpoint) -> WebhookOut:
        return cls(
            e.id,
            e.url,
            e.events,
            e.description,
            e.is_active,
            e.disabled_reason,
            e.failing_since,
            e.created_at,
            e.updated_at,
        )


class WebhookSecretOut(WebhookOut):
    """The only answers that carry the secret: creation and rotation."""

    secret: str

    @classmethod
    def with_secret(cls, e: Endpoint) -> WebhookSecretOut:
        shown = WebhookOut.of(e)
        return cls(**{name: getattr(shown, name) for name in WebhookOut.__struct_fields__}, secret=e.secret)


class EventOut(msgspec.Struct):
    type: str
    description: str


class AttemptOut(msgspec.Struct):
    attempt: int
    response_status: int | None
    duration_ms: int
    error: str | None
    created_at: datetime


class DeliveryOut(msgspec.Struct):
    id: UUID
    message_id: str  # the webhook-id header
    event_type: str
    status: str
    response_status: int | None  # of the latest attempt
    duration_ms: int | None
    attempt: int  # attempts made
    next_attempt_at: datetime | None
    created_at: datetime
    attempts: list[AttemptOut]

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        last = d.history[-1] if d.history else None
        return cls(
            d.id,
            d.message_id,
            d.event_type,
            d.status.value,
            last.response_status if last else None,
            last.duration_ms if last else None,
            d.attempts,
            d.next_attempt_at,
            d.created_at,
            [AttemptOut(a.attempt, a.response_status, a.duration_ms, a.error, a.created_at) for a in d.history],
        )
