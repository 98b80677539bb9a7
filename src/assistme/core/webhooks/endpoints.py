"""A person's webhook endpoints."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, InvalidInput, NotFound
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.entities import CATALOG, Endpoint, EndpointChanges, EndpointSpec
from assistme.core.webhooks.policy import OVERLAP_SECONDS, WebhookPolicy
from assistme.core.webhooks.ports import AddressGuard, EndpointRepository
from assistme.core.webhooks.signing import new_secret


async def owned(endpoints: EndpointRepository, principal: Principal, endpoint_id: UUID) -> Endpoint:
    endpoint = await endpoints.get(endpoint_id)
    if endpoint is None or endpoint.owner_id != principal.require_user():
        raise NotFound("no such webhook")
    return endpoint


def check_events(events: list[str]) -> list[str]:
    if not events:
        raise InvalidInput.field("events", "name at least one event from /webhooks/events")
    unknown = sorted(set(events) - set(CATALOG))
    if unknown:
        raise InvalidInput.field("events", f"unknown: {', '.join(unknown)}; see /webhooks/events")
    return sorted(set(events))


@dataclass(slots=True)
class CreateEndpoint:
    endpoints: EndpointRepository
    guard: AddressGuard
    policy: WebhookPolicy
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, spec: EndpointSpec) -> Endpoint:
        owner = principal.require_user()
        events = check_events(spec.events)
        await self.guard.check(spec.url)
        if await self.endpoints.count(owner) >= self.policy.max_endpoints_per_user:
            raise Conflict(f"at most {self.policy.max_endpoints_per_user} webhooks per person")
        endpoint = await self.endpoints.add(owner, replace(spec, events=events), new_secret(), self.clock.now())
        await self.uow.commit()
        return endpoint


@dataclass(slots=True)
class ListEndpoints:
    endpoints: EndpointRepository

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[Endpoint]:
        return await self.endpoints.page(principal.require_user(), page)


@dataclass(slots=True)
class GetEndpoint:
    endpoints: EndpointRepository

    async def __call__(self, principal: Principal, endpoint_id: UUID) -> Endpoint:
        return await owned(self.endpoints, principal, endpoint_id)


@dataclass(slots=True)
class UpdateEndpoint:
    """Only the fields sent are written, and ``is_active`` only when it changes what was read: a PATCH repeating
    ``"is_active": true`` does not undo a worker's disabling made meanwhile. Re-enabling clears the failure
    record: a fresh window."""

    endpoints: EndpointRepository
    guard: AddressGuard
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, endpoint_id: UUID, changes: EndpointChanges) -> Endpoint:
        endpoint = await owned(self.endpoints, principal, endpoint_id)
        if changes.url is not None:
            await self.guard.check(changes.url)
        events = None if changes.events is None else check_events(changes.events)
        is_active = None if changes.is_active == endpoint.is_active else changes.is_active
        saved = await self.endpoints.update(
            endpoint.id, replace(changes, events=events, is_active=is_active), self.clock.now()
        )
        if saved is None:
            raise NotFound("no such webhook")
        await self.uow.commit()
        return saved


@dataclass(slots=True)
class DeleteEndpoint:
    endpoints: EndpointRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, endpoint_id: UUID) -> None:
        endpoint = await owned(self.endpoints, principal, endpoint_id)
        await self.endpoints.delete(endpoint.id)
        await self.uow.commit()


@dataclass(slots=True)
class RotateSecret:
    """A new secret, shown once; the old one keeps signing beside it for 24 hours, so receivers can switch."""

    endpoints: EndpointRepository
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, endpoint_id: UUID) -> Endpoint:
        endpoint = await owned(self.endpoints, principal, endpoint_id)
        now = self.clock.now()
        saved = await self.endpoints.rotate(endpoint.id, new_secret(), now + timedelta(seconds=OVERLAP_SECONDS), now)
        if saved is None:
            raise NotFound("no such webhook")
        await self.uow.commit()
        return saved
