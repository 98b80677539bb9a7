"""Attempts that go wrong on the sending side: a worker that stops mid-attempt is listed and bounded, and a URL
with non-ASCII characters is delivered instead of failing the worker on every try."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest
from dishka import Provider, Scope

from assistme.config import Settings
from assistme.core.webhooks.delivery import STOPPED
from assistme.core.webhooks.entities import Answer
from assistme.core.webhooks.ports import WebhookSender
from tests.support.accounts import signup
from tests.support.fake_receiver import FakeReceiver
from tests.support.webhook_world import World, open_world

pytestmark = pytest.mark.usefixtures("app")


class Stopping:
    """A worker that dies in the middle of every attempt."""

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        raise RuntimeError("the worker died")


def stopping() -> Provider:
    provider = Provider(scope=Scope.APP)
    provider.provide(Stopping, provides=WebhookSender)
    return provider


@pytest.fixture
async def world(settings: Settings, receiver: FakeReceiver) -> AsyncIterator[World]:
    async for opened in open_world(settings, receiver, allow_private=True):
        yield opened


async def test_attempts_lost_with_their_worker_are_listed_and_the_delivery_ends(
    settings: Settings, receiver: FakeReceiver
) -> None:
    short = msgspec.structs.replace(settings, webhook_retry_schedule=[1])
    async for world in open_world(short, receiver, allow_private=True, worker=[stopping()]):
        ann = await signup(world.client)
        hook = await world.hook(ann)
        await world.test(ann, hook)
        assert await world.hands.dispatch_webhooks() == 1  # attempt 1 queued
        for _ in range(2):
            with pytest.raises(RuntimeError):
                await world.hands.send_webhooks()
            world.advance(120)  # past the attempt's lease
            assert await world.hands.dispatch_webhooks() == 0  # taken back, not queued again at once
            world.advance(2)
            await world.hands.dispatch_webhooks()
        (delivery,) = await world.deliveries(ann, hook)
        assert delivery["status"] == "failed"
        assert [(a["attempt"], a["response_status"], a["error"]) for a in delivery["attempts"]] == [
            (1, None, STOPPED),
            (2, None, STOPPED),
        ]
        assert world.hands.queue.webhooks == []


async def test_a_url_with_non_ascii_characters_is_delivered(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann, url=f"{world.receiver.base_url}/café?tea=thé")
    await world.test(ann, hook)
    assert await world.deliver() == ["succeeded"]
    (request,) = world.receiver.received
    assert request.path == "/café"
