"""/webhooks: where a person's events are POSTed, signed, and what became of each delivery."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from assistme.api.access import SECURED
from assistme.api.idempotency import IDEMPOTENT
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.api.webhooks.schemas import DeliveryOut, EventOut, WebhookIn, WebhookOut, WebhookPatch, WebhookSecretOut
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest
from assistme.core.webhooks.deliveries import ListDeliveries, ResendDelivery, SendTest
from assistme.core.webhooks.endpoints import (
    CreateEndpoint,
    DeleteEndpoint,
    GetEndpoint,
    ListEndpoints,
    RotateSecret,
    UpdateEndpoint,
)
from assistme.core.webhooks.entities import CATALOG


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]
    security = SECURED

    @get("/events", summary="The event catalog")
    async def events(self) -> list[EventOut]:
        return [EventOut(name, description) for name, description in CATALOG.items()]

    @get(summary="The caller's webhooks")
    @inject
    async def list_webhooks(
        self,
        principal: FromDishka[Principal],
        endpoints: FromDishka[ListEndpoints],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[WebhookOut]:
        return PageOut.of(await endpoints(principal, PageRequest(limit, offset)), WebhookOut.of)

    @post(
        status_code=201,
        summary="Add a webhook; the answer carries its secret, shown this once",
        responses=responses(409, 422),
        opt=IDEMPOTENT,
    )
    @inject
    async def create(
        self, data: JSONBody[WebhookIn], principal: FromDishka[Principal], create: FromDishka[CreateEndpoint]
    ) -> WebhookSecretOut:
        return WebhookSecretOut.with_secret(await create(principal, data.to_spec()))

    @get("/{webhook_id:str}", summary="A webhook (never its secret)", responses=responses(404))
    @inject
    async def show(
        self, webhook_id: FromPath[str], principal: FromDishka[Principal], show: FromDishka[GetEndpoint]
    ) -> WebhookOut:
        return WebhookOut.of(await show(principal, parse_id(webhook_id, "webhook")))

    @patch(
        "/{webhook_id:str}",
        summary="Change a webhook; enabling it again clears its failures",
        responses=responses(404, 422),
    )
    @inject
    async def update(
        self,
        webhook_id: FromPath[str],
        data: JSONBody[WebhookPatch],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateEndpoint],
    ) -> WebhookOut:
        return WebhookOut.of(await update(principal, parse_id(webhook_id, "webhook"), data.to_changes()))

    @delete("/{webhook_id:str}", summary="Remove a webhook and its deliveries", responses=responses(404))
    @inject
    async def remove(
        self, webhook_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteEndpoint]
    ) -> None:
        await remove(principal, parse_id(webhook_id, "webhook"))

    @post(
        "/{webhook_id:str}/rotate-secret",
        status_code=200,
        responses=responses(404),
        summary="A new secret, shown once; the old one keeps signing beside it for 24 hours",
    )
    @inject
    async def rotate(
        self, webhook_id: FromPath[str], principal: FromDishka[Principal], rotate: FromDishka[RotateSecret]
    ) -> WebhookSecretOut:
        return WebhookSecretOut.with_secret(await rotate(principal, parse_id(webhook_id, "webhook")))

    @post(
        "/{webhook_id:str}/test",
        status_code=202,
        summary="Send a webhook.test event to this webhook",
        responses=responses(404, 409),
    )
    @inject
    async def test(
        self, webhook_id: FromPath[str], principal: FromDishka[Principal], send: FromDishka[SendTest]
    ) -> DeliveryOut:
        return DeliveryOut.of(await send(principal, parse_id(webhook_id, "webhook")))

    @get(
        "/{webhook_id:str}/deliveries",
        summary="Deliveries, newest first, each with its attempts",
        responses=responses(404),
    )
    @inject
    async def deliveries(
        self,
        webhook_id: FromPath[str],
        principal: FromDishka[Principal],
        deliveries: FromDishka[ListDeliveries],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[DeliveryOut]:
        found = await deliveries(principal, parse_id(webhook_id, "webhook"), PageRequest(limit, offset))
        return PageOut.of(found, DeliveryOut.of)

    @post(
        "/{webhook_id:str}/deliveries/{delivery_id:str}/resend",
        status_code=202,
        summary="Send a delivery's message again (same webhook-id)",
        responses=responses(404, 409),
    )
    @inject
    async def resend(
        self,
        webhook_id: FromPath[str],
        delivery_id: FromPath[str],
        principal: FromDishka[Principal],
        resend: FromDishka[ResendDelivery],
    ) -> DeliveryOut:
        endpoint, delivery = parse_id(webhook_id, "webhook"), parse_id(delivery_id, "delivery")
        return DeliveryOut.of(await resend(principal, endpoint, delivery))
