"""One attempt and what follows it: the backoff, disabling a dead endpoint once, the events port, the signature."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from assistme.core.webhooks.delivery import DeliverWebhook, backoff
from assistme.core.webhooks.entities import Answer, DeliveryStatus, Endpoint, EndpointSpec
from assistme.core.webhooks.events import RecordEvent
from assistme.core.webhooks.policy import WebhookPolicy
from assistme.core.webhooks.signing import headers, new_secret
from tests.unit.integrations.fakes import Clock, Uow
from tests.unit.webhooks.fakes import Deliveries, Endpoints, Inbox, Sender

OWNER = uuid.uuid4()


class World:
    def __init__(self, policy: WebhookPolicy | None = None) -> None:
        self.clock, self.endpoints, self.deliveries = Clock(), Endpoints(), Deliveries()
        self.sender, self.inbox, self.policy = Sender(), Inbox(), policy or WebhookPolicy()
        self.events = RecordEvent(self.endpoints, self.deliveries, self.clock)  # type: ignore[arg-type]

    async def endpoint(self, *events: str) -> Endpoint:
        spec = EndpointSpec("https://hooks.example.com/in", list(events or ["task.completed"]))
        return await self.endpoints.add(OWNER, spec, new_secret(), self.clock.now())

    async def attempt(self, delivery_id: uuid.UUID, answer: Answer | None = None) -> DeliveryStatus | None:
        if answer is not None:
            self.sender.script.append(answer)
        deliver = DeliverWebhook(
            self.deliveries,  # type: ignore[arg-type]
            self.endpoints,  # type: ignore[arg-type]
            self.sender,
            self.inbox,  # type: ignore[arg-type]
            self.policy,
            Uow(),
            self.clock,
        )
        return await deliver(delivery_id, self.deliveries.rows[delivery_id].attempts + 1)

    async def emitted(self, event_type: str = "task.completed") -> uuid.UUID:
        await self.events.emit(OWNER, event_type, {"task_id": "t1"})
        return list(self.deliveries.rows)[-1]


def test_backoff_follows_the_schedule_with_jitter_and_stops_when_it_is_spent() -> None:
    policy = WebhookPolicy(retry_schedule=(5, 300), jitter=0.1)
    for _ in range(50):
        first, second = backoff(policy, 1, None), backoff(policy, 2, None)
        assert first is not None
        assert second is not None
        assert 4.5 <= first <= 5.5
        assert 270 <= second <= 330
    assert backoff(policy, 3, None) is None


def test_a_longer_retry_after_wins_up_to_a_day() -> None:
    policy = WebhookPolicy(retry_schedule=(5,), jitter=0.0)
    assert backoff(policy, 1, 1.0) == 5
    assert backoff(policy, 1, 600.0) == 600
    assert backoff(policy, 1, 10 * 86400.0) == policy.longest_retry_after


async def test_emit_records_a_delivery_for_each_active_endpoint_that_wants_the_event() -> None:
    world = World()
    wanted, other = await world.endpoint("task.completed"), await world.endpoint("task.failed")
    disabled = await world.endpoint("task.completed")
    world.endpoints.rows[disabled.id].is_active = False
    await world.events.emit(OWNER, "task.completed", {"task_id": "t1"})
    await world.events.emit(uuid.uuid4(), "task.completed", {"task_id": "t2"})  # someone else's event
    (delivery,) = world.deliveries.rows.values()
    assert delivery.endpoint_id == wanted.id != other.id
    assert delivery.payload["type"] == "task.completed"
    assert delivery.payload["data"] == {"task_id": "t1"}
    assert delivery.payload["timestamp"].endswith("Z")
    assert delivery.message_id.startswith("msg_")
    assert world.sender.sent == []  # recorded only: the scheduler loop queues it once the caller commits


async def test_an_event_not_in_the_catalog_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="catalog"):
        await World().events.emit(OWNER, "task.complete", {})


async def test_a_410_disables_the_endpoint_once_and_abandons_what_was_pending() -> None:
    world = World()
    endpoint = await world.endpoint()
    first, second = await world.emitted(), await world.emitted()
    assert await world.attempt(first, Answer(410, 3, error="answered 410")) is DeliveryStatus.FAILED
    assert world.endpoints.rows[endpoint.id].is_active is False
    assert world.deliveries.rows[second].status is DeliveryStatus.FAILED
    assert [title for _, title, _ in world.inbox.entries] == ["A webhook was disabled"]
    assert await world.attempt(second) is None  # its message arrives later: nothing to do, nothing sent
    assert len(world.sender.sent) == 1


async def test_an_endpoint_failing_for_the_whole_window_is_disabled_and_a_success_resets_it() -> None:
    world = World(WebhookPolicy(retry_schedule=(3600,) * 200, failure_window=5 * 86400))
    endpoint = await world.endpoint()
    delivery = await world.emitted()
    assert await world.attempt(delivery, Answer(500, 1)) is DeliveryStatus.PENDING
    started = world.endpoints.rows[endpoint.id].failing_since
    assert started == world.clock.now()
    world.clock.at += timedelta(days=4)
    assert await world.attempt(delivery, Answer(None, 1, error="could not connect")) is DeliveryStatus.PENDING
    assert world.endpoints.rows[endpoint.id].failing_since == started  # still the first failure
    healthy = await world.emitted()
    assert await world.attempt(healthy) is DeliveryStatus.SUCCEEDED
    assert world.endpoints.rows[endpoint.id].failing_since is None
    world.clock.at += timedelta(days=4)
    assert await world.attempt(delivery, Answer(500, 1)) is DeliveryStatus.PENDING  # a new window began
    world.clock.at += timedelta(days=5)
    assert await world.attempt(delivery, Answer(500, 1)) is DeliveryStatus.FAILED
    assert world.endpoints.rows[endpoint.id].is_active is False
    assert "every delivery failed for 120 hours" in (world.endpoints.rows[endpoint.id].disabled_reason or "")
    assert len(world.inbox.entries) == 1


async def test_a_redelivered_attempt_sends_nothing() -> None:
    world = World()
    await world.endpoint()
    delivery = await world.emitted()
    assert await world.attempt(delivery) is DeliveryStatus.SUCCEEDED
    deliver = DeliverWebhook(
        world.deliveries,  # type: ignore[arg-type]
        world.endpoints,  # type: ignore[arg-type]
        world.sender,
        world.inbox,  # type: ignore[arg-type]
        world.policy,
        Uow(),
        world.clock,
    )
    assert await deliver(delivery, 1) is None
    assert len(world.sender.sent) == 1


async def test_a_delivery_is_signed_as_standard_webhooks_verifies_it() -> None:
    world = World()
    world.clock.at = datetime.now(UTC)  # verify() checks the timestamp against the real time
    endpoint = await world.endpoint()
    await world.attempt(await world.emitted())
    ((url, sent, body),) = world.sender.sent
    assert url == endpoint.url
    assert Webhook(endpoint.secret).verify(body, sent)["data"] == {"task_id": "t1"}
    assert json.loads(body)["type"] == "task.completed"


def test_during_a_rotation_both_secrets_sign() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"type":"webhook.test"}'
    signed = headers([new, old], "msg_1", int(time.time()), body)
    assert signed["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, signed) == {"type": "webhook.test"}


def test_a_secret_is_whsec_and_24_to_32_random_bytes() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"))) <= 32
