"""dishka providers: outgoing webhooks."""

from __future__ import annotations

import math

import httpx
from dishka import Provider, Scope, alias, provide, provide_all

from assistme.adapters.persistence.webhook_deliveries import SqlDeliveryRepository
from assistme.adapters.persistence.webhooks import SqlEndpointRepository
from assistme.adapters.webhooks.guard import AddressGuard as WebhookAddressGuard
from assistme.adapters.webhooks.sender import HttpWebhookSender
from assistme.config import Settings
from assistme.core.webhooks.deliveries import ListDeliveries, ResendDelivery, SendTest
from assistme.core.webhooks.delivery import DeliverWebhook, DispatchWebhooks
from assistme.core.webhooks.endpoints import (
    CreateEndpoint,
    DeleteEndpoint,
    GetEndpoint,
    ListEndpoints,
    RotateSecret,
    UpdateEndpoint,
)
from assistme.core.webhooks.events import RecordEvent
from assistme.core.webhooks.keys import ResealWebhookSecrets
from assistme.core.webhooks.policy import WebhookPolicy
from assistme.core.webhooks.ports import (
    AddressGuard,
    DeliveryRepository,
    EndpointRepository,
    Events,
    WebhookSender,
)


class Webhooks(Provider):
    endpoints = provide(SqlEndpointRepository, scope=Scope.REQUEST, provides=EndpointRepository)
    deliveries = provide(SqlDeliveryRepository, scope=Scope.REQUEST, provides=DeliveryRepository)
    events = provide(RecordEvent, scope=Scope.REQUEST, provides=Events)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> WebhookPolicy:
        return WebhookPolicy(
            retry_schedule=tuple(settings.webhook_retry_schedule),
            failure_window=settings.webhook_failure_window,
            # a lease shorter than an attempt would hand a slow one to a second worker
            lease_seconds=math.ceil(settings.webhook_timeout) + 45,
        )

    @provide(scope=Scope.APP)
    def guard(self, settings: Settings) -> WebhookAddressGuard:
        return WebhookAddressGuard(allow_private=settings.webhooks_allow_private)

    address_guard = alias(source=WebhookAddressGuard, provides=AddressGuard)

    @provide(scope=Scope.APP)
    def sender(self, settings: Settings, client: httpx.AsyncClient, guard: WebhookAddressGuard) -> WebhookSender:
        return HttpWebhookSender(client, guard, settings.webhook_timeout)

    use_cases = provide_all(
        CreateEndpoint,
        ListEndpoints,
        GetEndpoint,
        UpdateEndpoint,
        DeleteEndpoint,
        RotateSecret,
        ListDeliveries,
        SendTest,
        ResendDelivery,
        DispatchWebhooks,
        DeliverWebhook,
        ResealWebhookSecrets,
        scope=Scope.REQUEST,
    )
