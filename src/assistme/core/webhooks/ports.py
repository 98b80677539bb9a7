"""Ports of the webhooks context, and the one every feature emits its events through."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.webhooks.entities import (
    Answer,
    Attempt,
    Delivery,
    Endpoint,
    EndpointChanges,
    EndpointRef,
    EndpointSpec,
)


class Events(Protocol):
    async def emit(self, user_id: UUID, event_type: str, data: dict[str, Any]) -> None:
        """Record a delivery for each of the user's active endpoints that wants ``event_type``, in the caller's
        transaction: the event goes out if and only if what caused it commits."""
        ...


class EndpointRepository(Protocol):
    async def add(self, owner_id: UUID, spec: EndpointSpec, secret: str, now: datetime) -> Endpoint: ...

    async def get(self, endpoint_id: UUID) -> Endpoint | None: ...

    async def update(self, endpoint_id: UUID, changes: EndpointChanges, now: datetime) -> Endpoint | None:
        """Write only the fields ``changes`` sets, so what a worker judged meanwhile stands; ``is_active=True`` also
        clears the failure record and the reason (a fresh window). None: the endpoint is gone."""
        ...

    async def rotate(self, endpoint_id: UUID, secret: str, overlap_until: datetime, now: datetime) -> Endpoint | None:
        """Make ``secret`` the endpoint's secret, the one it replaces signing beside it until ``overlap_until``;
        atomic, so of two rotations at once neither secret is lost. None: the endpoint is gone."""
        ...

    async def delete(self, endpoint_id: UUID) -> None: ...

    async def count(self, owner_id: UUID) -> int: ...

    async def page(self, owner_id: UUID, page: PageRequest) -> Page[Endpoint]: ...

    async def subscribed(self, owner_id: UUID, event_type: str) -> list[EndpointRef]:
        """The owner's active endpoints that want ``event_type``; no secret is opened."""
        ...

    async def note_failure(self, endpoint_id: UUID, now: datetime, idle_before: datetime) -> datetime | None:
        """Count a failure of the active endpoint; answer when its failure record started (None: no longer active).
        The record starts now unless one runs whose last failure came at or after ``idle_before``."""
        ...

    async def note_success(self, endpoint_id: UUID) -> None:
        """End the endpoint's failure record."""
        ...

    async def disable(self, endpoint_id: UUID, reason: str, now: datetime) -> bool:
        """Disable the endpoint; False when it was not active (another worker disabled it first)."""
        ...

    async def reseal(self, after: UUID | None, limit: int) -> tuple[UUID | None, int, int]:
        """Re-encrypt the stored secrets of up to ``limit`` endpoints, those after ``after`` in id order, under the
        newest key: (the last one seen, None when none were left; how many were resealed; how many no key opened)."""
        ...


class DeliveryRepository(Protocol):
    async def add(
        self, endpoint: EndpointRef, message_id: str, event_type: str, payload: dict[str, Any], now: datetime
    ) -> Delivery: ...

    async def get(self, delivery_id: UUID) -> Delivery | None: ...

    async def page(self, endpoint_id: UUID, page: PageRequest) -> Page[Delivery]:
        """Newest first, each with its attempts."""
        ...

    async def dispatch(self, now: datetime, lease_until: datetime, limit: int) -> list[tuple[UUID, int]]:
        """Pending deliveries whose attempt is due and that no worker holds (a stalled one is taken back first),
        each leased to ``lease_until`` so no other pass takes it too: (id, the number of the attempt to make)."""
        ...

    async def stalled(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose counted attempt was never recorded and whose lease has run out: the worker
        making it stopped (a crash, a deploy, an error that escaped)."""
        ...

    async def claim(self, delivery_id: UUID, attempt: int, lease_until: datetime) -> Delivery | None:
        """Count attempt ``attempt`` atomically; None when it was made already (a redelivered message), or the
        delivery is no longer pending."""
        ...

    async def record(self, delivery: Delivery, attempt: Attempt) -> bool:
        """Store the attempt and the delivery's new status and next attempt, unless the attempt was recorded
        already or a later one has been counted since; False then."""
        ...

    async def abandon(self, endpoint_id: UUID, now: datetime) -> None:
        """Fail the endpoint's pending deliveries: it was disabled."""
        ...


class WebhookSender(Protocol):
    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        """POST ``body`` to ``url`` through the address guard, following no redirect; never raises."""
        ...


class AddressGuard(Protocol):
    async def check(self, url: str) -> None:
        """InvalidInput on ``url`` when it is not http(s) or its host is, or resolves to, a non-global address."""
        ...


class WebhookQueue(Protocol):
    async def send(self, delivery_id: UUID, attempt: int) -> None: ...
