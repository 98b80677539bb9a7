"""Webhooks end to end: the app, and the scheduler's and a worker's steps on the test's clock, with a resolver the
test controls and deliveries going to a fake receiver on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dishka import Provider, Scope
from litestar import Litestar
from litestar.testing import AsyncTestClient
from standardwebhooks import Webhook

from assistme.adapters.webhooks.guard import AddressGuard
from assistme.config import Settings
from tests.support.accounts import Account
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.fake_receiver import FakeReceiver, Received
from tests.support.scheduling import Hands, Offline, RecordingQueue, hands

Client = AsyncTestClient[Litestar]
HOOKS = "/api/v1/webhooks"


class Names:
    """A resolver a test controls: what each name resolves to right now."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}

    async def __call__(self, host: str, _port: int) -> list[str]:
        if host not in self.table:
            raise OSError("no such host")
        return self.table[host]


def guarded_by(names: Names, allow_private: bool) -> Provider:
    provider = Provider(scope=Scope.APP)
    provider.provide(lambda: AddressGuard(allow_private=allow_private, resolver=names), provides=AddressGuard)
    return provider


@dataclass
class World:
    client: Client
    hands: Hands
    receiver: FakeReceiver
    names: Names

    async def hook(self, who: Account, *events: str, url: str | None = None) -> dict[str, Any]:
        body = {"url": url or f"{self.receiver.base_url}/hooks", "events": list(events or ["webhook.test"])}
        created = await self.client.post(HOOKS, json=body, headers=who.headers)
        assert created.status_code == 201, created.text
        return dict(created.json())

    async def shown(self, who: Account, hook: dict[str, Any]) -> dict[str, Any]:
        answer = await self.client.get(f"{HOOKS}/{hook['id']}", headers=who.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def deliveries(self, who: Account, hook: dict[str, Any]) -> list[dict[str, Any]]:
        listed = await self.client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=who.headers)
        assert listed.status_code == 200, listed.text
        return list(listed.json()["items"])

    async def test(self, who: Account, hook: dict[str, Any]) -> None:
        assert (await self.client.post(f"{HOOKS}/{hook['id']}/test", headers=who.headers)).status_code == 202

    async def deliver(self) -> list[Any]:
        """A scheduler pass, then the worker's attempts."""
        await self.hands.dispatch_webhooks()
        return await self.hands.send_webhooks()

    def advance(self, seconds: float) -> None:
        self.hands.clock.advance(seconds)


async def open_world(
    settings: Settings,
    receiver: FakeReceiver,
    *,
    allow_private: bool,
    app: Sequence[Provider] = (),
    worker: Sequence[Provider] = (),
) -> AsyncIterator[World]:
    """``app`` and ``worker`` are more providers for the app and for the scheduler's and worker's steps."""
    receiver.reset()
    names, clock, queue = Names(), MovableClock(), RecordingQueue()
    async with (
        running(settings, clock_provider(clock), Offline(queue), guarded_by(names, allow_private), *app) as client,
        hands(settings, clock, queue, guarded_by(names, allow_private), *worker) as h,
    ):
        yield World(client, h, receiver, names)


def verified(secret: str, request: Received) -> dict[str, Any]:
    return dict(Webhook(secret).verify(request.body, request.headers))


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
