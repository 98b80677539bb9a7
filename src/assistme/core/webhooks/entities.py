"""Webhook endpoints, the events they receive, and each message's delivery with its attempts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

CATALOG: dict[str, str] = {
    "reminder.fired": "A reminder or notification job ran: its message is in the inbox.",
    "task.completed": "An agent task finished with a result.",
    "task.failed": "An agent task failed; `error` says why.",
    "conversation.message.created": "A message was added to a conversation (the person's or the assistant's).",
    "integration.connected": "A Google connection was made or renewed.",
    "integration.needs_reauth": "A Google connection lost its grant: the person must connect again.",
    "webhook.test": "Sent by POST /webhooks/{id}/test, to this endpoint only.",
}


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first attempt or a retry
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # out of retries, refused for good (410, a forbidden address), or its endpoint was disabled


@dataclass(slots=True)
class Endpoint:
    id: UUID
    owner_id: UUID
    url: str
    events: list[str]
    description: str | None
    is_active: bool
    secret: str  # whsec_...: never in an answer after the one that created or rotated it
    created_at: datetime
    updated_at: datetime
    previous_secret: str | None = None  # still signs beside ``secret`` until ``previous_expires_at``
    previous_expires_at: datetime | None = None
    failing_since: datetime | None = None  # the first failure since the last success
    disabled_reason: str | None = None

    def secrets(self, now: datetime) -> list[str]:
        """The secrets a delivery is signed with now: the new one, and the old one during its overlap."""
        if self.previous_secret and self.previous_expires_at and now < self.previous_expires_at:
            return [self.secret, self.previous_secret]
        return [self.secret]

    @property
    def ref(self) -> EndpointRef:
        return EndpointRef(self.id, self.owner_id)


@dataclass(frozen=True, slots=True)
class EndpointRef:
    """What recording a delivery needs of its endpoint. Emitting an event opens no secret, so a key problem in
    webhooks cannot break the features that emit."""

    id: UUID
    owner_id: UUID


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    url: str
    events: list[str]
    description: str | None = None
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    """A PATCH: None leaves a field as it is."""

    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    attempt: int
    response_status: int | None  # None: no answer (refused, timed out, a forbidden address)
    duration_ms: int
    error: str | None
    created_at: datetime


@dataclass(slots=True)
class Delivery:
    """One message to one endpoint; ``message_id`` is its ``webhook-id``, the same on every attempt."""

    id: UUID
    endpoint_id: UUID
    owner_id: UUID
    message_id: str
    event_type: str
    payload: dict[str, Any]  # {"type", "timestamp", "data"}: the body, as the receiver gets it
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    history: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the receiver did with one attempt."""

    status: int | None
    duration_ms: int
    retry_after: float | None = None
    error: str | None = None
    permanent: bool = False  # an address refused by the guard: retrying cannot help

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300
