"""In-memory fakes of the webhooks ports, with the same conditional semantics as the SQL repositories."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from assistme.core.webhooks.entities import Answer, Attempt, Delivery, DeliveryStatus, Endpoint, EndpointSpec


@dataclass
class Endpoints:
    rows: dict[UUID, Endpoint] = field(default_factory=dict)

    async def add(self, owner_id: UUID, spec: EndpointSpec, secret: str, now: datetime) -> Endpoint:
        endpoint = Endpoint(
            uuid.uuid4(), owner_id, spec.url, spec.events, spec.description, spec.is_active, secret, now, now
        )
        self.rows[endpoint.id] = endpoint
        return replace(endpoint)

    async def get(self, endpoint_id: UUID) -> Endpoint | None:
        found = self.rows.get(endpoint_id)
        return None if found is None else replace(found)

    async def save(self, endpoint: Endpoint) -> Endpoint:
        self.rows[endpoint.id] = replace(endpoint)
        return endpoint

    async def subscribed(self, owner_id: UUID, event_type: str) -> list[Endpoint]:
        return [
            replace(e) for e in self.rows.values() if e.owner_id == owner_id and e.is_active and event_type in e.events
        ]

    async def note_failure(self, endpoint_id: UUID, now: datetime) -> datetime | None:
        endpoint = self.rows[endpoint_id]
        if not endpoint.is_active:
            return None
        endpoint.failing_since = endpoint.failing_since or now
        return endpoint.failing_since

    async def note_success(self, endpoint_id: UUID) -> None:
        self.rows[endpoint_id].failing_since = None

    async def disable(self, endpoint_id: UUID, reason: str, now: datetime) -> bool:
        endpoint = self.rows[endpoint_id]
        if not endpoint.is_active:
            return False
        endpoint.is_active, endpoint.disabled_reason = False, reason
        return True


@dataclass
class Deliveries:
    rows: dict[UUID, Delivery] = field(default_factory=dict)

    async def add(
        self, endpoint: Endpoint, message_id: str, event_type: str, payload: dict[str, Any], now: datetime
    ) -> Delivery:
        delivery = Delivery(
            uuid.uuid4(),
            endpoint.id,
            endpoint.owner_id,
            message_id,
            event_type,
            payload,
            DeliveryStatus.PENDING,
            0,
            now,
            now,
        )
        self.rows[delivery.id] = delivery
        return replace(delivery)

    async def claim(self, delivery_id: UUID, attempt: int, lease_until: datetime) -> Delivery | None:
        delivery = self.rows[delivery_id]
        if delivery.status is not DeliveryStatus.PENDING or delivery.attempts != attempt - 1:
            return None
        delivery.attempts = attempt
        return replace(delivery, history=[])

    async def record(self, delivery: Delivery, attempt: Attempt) -> bool:
        stored = self.rows[delivery.id]
        if stored.attempts != attempt.attempt:
            return False
        stored.status, stored.next_attempt_at = delivery.status, delivery.next_attempt_at
        stored.history.append(attempt)
        return True

    async def abandon(self, endpoint_id: UUID, now: datetime) -> None:
        for delivery in self.rows.values():
            if delivery.endpoint_id == endpoint_id and delivery.status is DeliveryStatus.PENDING:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None


@dataclass
class Sender:
    """Answers from a script (200 once it runs out) and keeps what it was asked to send."""

    script: list[Answer] = field(default_factory=list)
    sent: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        self.sent.append((url, headers, body))
        return self.script.pop(0) if self.script else Answer(200, 1)


@dataclass
class Inbox:
    entries: list[tuple[UUID, str, str]] = field(default_factory=list)

    async def add(self, user_id: UUID, title: str, body: str, now: datetime) -> None:
        self.entries.append((user_id, title, body))
