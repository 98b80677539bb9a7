"""One attempt and what follows it: the backoff, a 410 disabling the endpoint once, the events port, the signature."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from assistme.core.webhooks.delivery import backoff
from assistme.core.webhooks.entities import Answer, DeliveryStatus
from assistme.core.webhooks.policy import WebhookPolicy
from assistme.core.webhooks.signing import headers, new_secret
from tests.unit.webhooks.fakes import OWNER, World


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


async def test_a_redelivered_attempt_sends_nothing() -> None:
    world = World()
    await world.endpoint()
    delivery = await world.emitted()
    assert await world.attempt(delivery) is DeliveryStatus.SUCCEEDED
    assert await world.deliver()(delivery, 1) is None
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
