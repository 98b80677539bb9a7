"""An attempt whose worker stopped (a crash, a deploy, an error that escaped) is taken back by the dispatcher:
listed as failed, retried on the schedule, and never more attempts than the schedule allows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistme.core.webhooks.delivery import STOPPED
from assistme.core.webhooks.entities import DeliveryStatus
from assistme.core.webhooks.policy import WebhookPolicy
from tests.unit.webhooks.fakes import World


def crash() -> RuntimeError:
    return RuntimeError("the worker died")


async def test_a_stopped_attempt_is_listed_as_failed_and_retried_on_the_schedule() -> None:
    world = World(WebhookPolicy(retry_schedule=(300,), jitter=0.0))
    await world.endpoint()
    delivery = await world.emitted()
    assert await world.dispatch() == [(delivery, 1)]
    with pytest.raises(RuntimeError):
        await world.attempt(delivery, crash())
    assert await world.dispatch() == []  # its lease still holds
    world.clock.at += timedelta(seconds=world.policy.lease_seconds + 1)
    assert await world.dispatch() == []  # taken back; the retry waits its turn
    stored = world.deliveries.rows[delivery]
    assert [(a.attempt, a.response_status, a.error) for a in stored.history] == [(1, None, STOPPED)]
    assert stored.status is DeliveryStatus.PENDING
    world.clock.at += timedelta(seconds=300)
    assert await world.dispatch() == [(delivery, 2)]
    assert await world.attempt(delivery) is DeliveryStatus.SUCCEEDED


async def test_a_delivery_whose_every_attempt_stops_fails_when_the_schedule_is_spent() -> None:
    world = World(WebhookPolicy(retry_schedule=(5, 5), jitter=0.0))
    await world.endpoint()
    delivery = await world.emitted()
    for _ in range(10):
        queued = await world.dispatch()
        for delivery_id, attempt in queued:
            world.sender.script.append(crash())
            with pytest.raises(RuntimeError):
                await world.deliver()(delivery_id, attempt)
        world.clock.at += timedelta(seconds=world.policy.lease_seconds + 1)
    stored = world.deliveries.rows[delivery]
    assert stored.status is DeliveryStatus.FAILED
    assert [a.attempt for a in stored.history] == [1, 2, 3]
    assert len(world.sender.sent) == world.policy.max_attempts == 3


async def test_an_attempt_counted_past_the_last_is_not_made() -> None:
    world = World(WebhookPolicy(retry_schedule=(5,)))
    await world.endpoint()
    delivery = await world.emitted()
    world.deliveries.rows[delivery].attempts = world.policy.max_attempts  # however it came to be counted
    assert await world.attempt(delivery) is DeliveryStatus.FAILED
    assert world.sender.sent == []
    (attempt,) = world.deliveries.rows[delivery].history
    assert attempt.error == "not sent: all 2 attempts were made"
