"""A webhook delivery through a real taskiq broker (the embedded, in-process one): the scheduler's pass queues the
attempt, the registered task makes it, and a redelivered message sends nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from dishka import Provider, Scope, provide
from dishka.integrations.taskiq import TaskiqProvider, setup_dishka
from standardwebhooks import Webhook

from assistme.adapters.taskiq.broker import make_broker
from assistme.adapters.taskiq.queue import DELIVER_WEBHOOK
from assistme.config import Settings
from assistme.core.webhooks.delivery import DispatchWebhooks
from assistme.ioc import Queueing, make_container
from assistme.tasks import register_tasks
from tests.support.accounts import signup
from tests.support.apps import running
from tests.support.fake_receiver import FakeReceiver
from tests.support.http import loopback_client

pytestmark = pytest.mark.usefixtures("app")
DEADLINE = 20.0  # seconds to wait for the worker (a bound, not a measurement)


class LoopbackHttp(Provider):
    """The worker's HTTP client reaches 127.0.0.1 only: a broken address guard fails the test."""

    @provide(scope=Scope.APP)
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        async with loopback_client() as client:
            yield client


async def test_the_worker_sends_a_queued_delivery_once(settings: Settings, receiver: FakeReceiver) -> None:
    receiver.reset()
    local = msgspec.structs.replace(settings, redis_url=None, webhooks_allow_private=True)
    async with running(local) as client:
        ann = await signup(client)
        body = {"url": f"{receiver.base_url}/in", "events": ["webhook.test"]}
        hook = (await client.post("/api/v1/webhooks", json=body, headers=ann.headers)).json()
        assert (await client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=ann.headers)).status_code == 202

    broker = make_broker(None, local.redis_key_prefix)
    register_tasks(broker)
    container = make_container(local, TaskiqProvider(), Queueing(broker), LoopbackHttp())
    setup_dishka(container, broker)
    await broker.startup()
    try:
        async with container() as scope:
            assert await (await scope.get(DispatchWebhooks))() == 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while not receiver.received:
            assert loop.time() < deadline, "the worker never sent the delivery"
            await asyncio.sleep(0.05)
        task = broker.find_task(DELIVER_WEBHOOK)
        assert task is not None
        (request,) = receiver.received
        delivery_id = (await client_deliveries(local, ann.headers, hook["id"]))[0]["id"]
        again = await task.kiq(delivery_id, 1)  # the broker hands the same message out again
        assert (await again.wait_result(timeout=DEADLINE)).return_value is None
    finally:
        await broker.shutdown()
        await container.close()
    assert len(receiver.received) == 1
    assert Webhook(hook["secret"]).verify(request.body, request.headers)["type"] == "webhook.test"


async def client_deliveries(settings: Settings, headers: dict[str, str], hook_id: str) -> list[dict[str, str]]:
    async with running(settings) as client:
        answer = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])
