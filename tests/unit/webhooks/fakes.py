"""In-memory fakes of the webhooks ports, with the same conditional semantics as the SQL repositories, and a world
of them to run the use cases in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from assistme.core.webhooks.delivery import DeliverWebhook, DispatchWebhooks
from assistme.core.webhooks.entities import (
    Answer,
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointChanges,
    EndpointRef,
    EndpointSpec,
)
from assistme.core.webhooks.events import RecordEvent
from assistme.core.webhooks.policy import WebhookPolicy
from assistme.core.webhooks.signing import new_secret
from tests.unit.integrations.fakes import Clock, Uow

OWNER = uuid.uuid4()


@dataclass
class Endpoints:
    rows: dict[UUID, Endpoint] = field(default_factory=dict)
    last_failure: dict[UUID, datetime] = field(default_factory=dict)

    async def add(self, owner_id: UUID, spec: EndpointSpec, secret: str, now: datetime) -> Endpoint:
        endpoint = Endpoint(
            uuid.uuid4(), owner_id, spec.url, spec.events, spec.description, spec.is_active, secret, now, now
        )
        self.rows[endpoint.id] = endpoint
        return replace(endpoint)

    async def get(self, endpoint_id: UUID) -> Endpoint | None:
        found = self.rows.get(endpoint_id)
        return None if found is None else replace(found)

    async def update(self, endpoint_id: UUID, changes: EndpointChanges, now: datetime) -> Endpoint | None:
        endpoint = self.rows.get(endpoint_id)
        if endpoint is None:
            return None
        for name in ("url", "events", "description", "is_active"):
            if (value := getattr(changes, name)) is not None:
                setattr(endpoint, name, value)
        if changes.is_active:
            endpoint.failing_since = endpoint.disabled_reason = None
        return replace(endpoint)

    async def rotate(self, endpoint_id: UUID, secret: str, overlap_until: datetime, now: datetime) -> Endpoint | None:
        endpoint = self.rows.get(endpoint_id)
        if endpoint is None:
            return None
        endpoint.previous_secret, endpoint.secret, endpoint.previous_expires_at = endpoint.secret, secret, overlap_until
        return replace(endpoint)

    async def subscribed(self, owner_id: UUID, event_type: str) -> list[EndpointRef]:
        return [e.ref for e in self.rows.values() if e.owner_id == owner_id and e.is_active and event_type in e.events]

    async def note_failure(self, endpoint_id: UUID, now: datetime, idle_before: datetime) -> datetime | None:
        endpoint = self.rows[endpoint_id]
        if not endpoint.is_active:
            return None
        last = self.last_failure.get(endpoint_id)
        if endpoint.failing_since is None or last is None or last < idle_before:
            endpoint.failing_since = now
        self.last_failure[endpoint_id] = max(now, last or now)
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
    leases: dict[UUID, datetime] = field(default_factory=dict)

    async def add(
        self, endpoint: EndpointRef, message_id: str, event_type: str, payload: dict[str, Any], now: datetime
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

    def _free(self, delivery: Delivery, now: datetime) -> bool:
        lease = self.leases.get(delivery.id)
        return lease is None or lease < now

    def _recorded(self, delivery: Delivery) -> bool:
        return delivery.attempts == 0 or any(a.attempt == delivery.attempts for a in delivery.history)

    async def stalled(self, now: datetime, limit: int) -> list[Delivery]:
        return [
            replace(d, history=[])
            for d in self.rows.values()
            if d.status is DeliveryStatus.PENDING
            and d.id in self.leases
            and self._free(d, now)
            and not self._recorded(d)
        ][:limit]

    async def dispatch(self, now: datetime, lease_until: datetime, limit: int) -> list[tuple[UUID, int]]:
        due = [
            d
            for d in self.rows.values()
            if d.status is DeliveryStatus.PENDING
            and d.next_attempt_at is not None
            and d.next_attempt_at <= now
            and self._free(d, now)
            and self._recorded(d)
        ][:limit]
        for delivery in due:
            self.leases[delivery.id] = lease_until
        return [(d.id, d.attempts + 1) for d in due]

    async def claim(self, delivery_id: UUID, attempt: int, lease_until: datetime) -> Delivery | None:
        delivery = self.rows[delivery_id]
        if delivery.status is not DeliveryStatus.PENDING or delivery.attempts != attempt - 1:
            return None
        delivery.attempts = attempt
        self.leases[delivery_id] = lease_until
        return replace(delivery, history=[])

    async def record(self, delivery: Delivery, attempt: Attempt) -> bool:
        stored = self.rows[delivery.id]
        if stored.attempts != attempt.attempt or delivery.id not in self.leases or self._recorded(stored):
            return False
        stored.status, stored.next_attempt_at = delivery.status, delivery.next_attempt_at
        stored.history.append(attempt)
        del self.leases[delivery.id]
        return True

    async def abandon(self, endpoint_id: UUID, now: datetime) -> None:
        for delivery in self.rows.values():
            if delivery.endpoint_id == endpoint_id and delivery.status is DeliveryStatus.PENDING:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None


@dataclass
class Sender:
    """Answers from a script (200 once it runs out) and keeps what it was asked to send. A scripted exception is
    raised instead: the worker stops mid-attempt."""

    script: list[Answer | Exception] = field(default_factory=list)
    sent: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        self.sent.append((url, headers, body))
        answer = self.script.pop(0) if self.script else Answer(200, 1)
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class Inbox:
    entries: list[tuple[UUID, str, str]] = field(default_factory=list)

    async def add(self, user_id: UUID, title: str, body: str, now: datetime) -> None:
        self.entries.append((user_id, title, body))


@dataclass
class Queue:
    sent: list[tuple[UUID, int]] = field(default_factory=list)

    async def send(self, delivery_id: UUID, attempt: int) -> None:
        self.sent.append((delivery_id, attempt))


class World:
    def __init__(self, policy: WebhookPolicy | None = None) -> None:
        self.clock, self.endpoints, self.deliveries = Clock(), Endpoints(), Deliveries()
        self.sender, self.inbox, self.policy = Sender(), Inbox(), policy or WebhookPolicy()
        self.queue = Queue()
        self.events = RecordEvent(self.endpoints, self.deliveries, self.clock)  # type: ignore[arg-type]

    async def endpoint(self, *events: str) -> Endpoint:
        spec = EndpointSpec("https://hooks.example.com/in", list(events or ["task.completed"]))
        return await self.endpoints.add(OWNER, spec, new_secret(), self.clock.now())

    def deliver(self) -> DeliverWebhook:
        return DeliverWebhook(
            self.deliveries,  # type: ignore[arg-type]
            self.endpoints,  # type: ignore[arg-type]
            self.sender,
            self.inbox,  # type: ignore[arg-type]
            self.policy,
            Uow(),
            self.clock,
        )

    async def attempt(self, delivery_id: UUID, answer: Answer | Exception | None = None) -> DeliveryStatus | None:
        """The delivery's next attempt, as a worker makes it, answered ``answer``."""
        if answer is not None:
            self.sender.script.append(answer)
        return await self.deliver()(delivery_id, self.deliveries.rows[delivery_id].attempts + 1)

    async def dispatch(self) -> list[tuple[UUID, int]]:
        """A scheduler pass: the attempts it queued."""
        self.queue.sent.clear()
        dispatch = DispatchWebhooks(self.deliveries, self.queue, Uow(), self.clock, self.policy)  # type: ignore[arg-type]
        await dispatch()
        return list(self.queue.sent)

    async def emitted(self, event_type: str = "task.completed") -> UUID:
        await self.events.emit(OWNER, event_type, {"task_id": "t1"})
        return list(self.deliveries.rows)[-1]
