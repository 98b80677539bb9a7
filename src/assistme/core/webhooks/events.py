"""Events: what the features emit, recorded as deliveries in the same transaction (an outbox)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from assistme.core.shared.clock import Clock
from assistme.core.webhooks.entities import CATALOG, Delivery, EndpointRef
from assistme.core.webhooks.ports import DeliveryRepository, EndpointRepository


def message(event_type: str, data: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    """A new message id and the body Standard Webhooks receivers expect."""
    body = {"type": event_type, "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data}
    return f"msg_{uuid.uuid4().hex}", body


async def enqueue(
    deliveries: DeliveryRepository, endpoint: EndpointRef, event_type: str, data: dict[str, Any], now: datetime
) -> Delivery:
    message_id, body = message(event_type, data, now)
    return await deliveries.add(endpoint, message_id, event_type, body, now)


@dataclass(slots=True)
class RecordEvent:
    """The ``Events`` port. Nothing is sent here: the scheduler loop's next pass queues what was recorded, so an
    event whose cause rolled back is never sent, and one whose cause committed is never lost."""

    endpoints: EndpointRepository
    deliveries: DeliveryRepository
    clock: Clock

    async def emit(self, user_id: UUID, event_type: str, data: dict[str, Any]) -> None:
        if event_type not in CATALOG:  # a feature's typo would otherwise go unnoticed: nobody can subscribe to it
            raise ValueError(f"{event_type!r} is not in the webhook event catalog")
        now = self.clock.now()
        for endpoint in await self.endpoints.subscribed(user_id, event_type):
            await enqueue(self.deliveries, endpoint, event_type, data, now)
