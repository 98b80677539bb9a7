"""An endpoint's deliveries: the list with every attempt, a test event, and a resend."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, NotFound
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.endpoints import owned
from assistme.core.webhooks.entities import Delivery
from assistme.core.webhooks.events import enqueue
from assistme.core.webhooks.ports import DeliveryRepository, EndpointRepository


@dataclass(slots=True)
class ListDeliveries:
    endpoints: EndpointRepository
    deliveries: DeliveryRepository

    async def __call__(self, principal: Principal, endpoint_id: UUID, page: PageRequest) -> Page[Delivery]:
        endpoint = await owned(self.endpoints, principal, endpoint_id)
        return await self.deliveries.page(endpoint.id, page)


@dataclass(slots=True)
class SendTest:
    """A ``webhook.test`` event to this endpoint only, whatever events it subscribed to; sent on the next pass."""

    endpoints: EndpointRepository
    deliveries: DeliveryRepository
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, endpoint_id: UUID) -> Delivery:
        endpoint = await owned(self.endpoints, principal, endpoint_id)
        if not endpoint.is_active:
            raise Conflict("this webhook is disabled: enable it first")
        data = {"webhook_id": str(endpoint.id), "message": "This is a test event from assistme."}
        delivery = await enqueue(self.deliveries, endpoint.ref, "webhook.test", data, self.clock.now())
        await self.uow.commit()
        return delivery


@dataclass(slots=True)
class ResendDelivery:
    """The same message (same ``webhook-id``, same body) as a new delivery, with attempts of its own: a receiver
    that deduplicates by ``webhook-id`` takes it once."""

    endpoints: EndpointRepository
    deliveries: DeliveryRepository
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, endpoint_id: UUID, delivery_id: UUID) -> Delivery:
        endpoint = await owned(self.endpoints, principal, endpoint_id)
        original = await self.deliveries.get(delivery_id)
        if original is None or original.endpoint_id != endpoint.id:
            raise NotFound("no such delivery")
        if not endpoint.is_active:
            raise Conflict("this webhook is disabled: enable it first")
        copy = await self.deliveries.add(
            endpoint.ref, original.message_id, original.event_type, original.payload, self.clock.now()
        )
        await self.uow.commit()
        return copy
