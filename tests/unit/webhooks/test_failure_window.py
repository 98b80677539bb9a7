"""An endpoint is disabled when it kept failing for the whole window: failures with no success between them, and
no idle spell either, since a quiet week is not a week of failures."""

from __future__ import annotations

from datetime import timedelta

from assistme.core.webhooks.entities import Answer, DeliveryStatus
from assistme.core.webhooks.policy import WebhookPolicy
from tests.unit.webhooks.fakes import World

DOWN = Answer(503, 1, error="answered 503")


async def test_an_endpoint_failing_throughout_the_window_is_disabled_once() -> None:
    world = World(WebhookPolicy(retry_schedule=(3600,) * 200, failure_window=5 * 86400))
    endpoint = await world.endpoint()
    delivery = await world.emitted()
    started = world.clock.now()
    for _ in range(5 * 24):  # hourly retries, each failing, for just under five days
        assert await world.attempt(delivery, DOWN) is DeliveryStatus.PENDING
        world.clock.at += timedelta(hours=1)
    assert world.endpoints.rows[endpoint.id].failing_since == started
    assert await world.attempt(delivery, DOWN) is DeliveryStatus.FAILED
    assert world.endpoints.rows[endpoint.id].is_active is False
    assert "every delivery failed for 120 hours" in (world.endpoints.rows[endpoint.id].disabled_reason or "")
    assert [title for _, title, _ in world.inbox.entries] == ["A webhook was disabled"]


async def test_a_success_ends_the_failure_record() -> None:
    world = World(WebhookPolicy(retry_schedule=(3600,) * 200, failure_window=5 * 86400))
    endpoint = await world.endpoint()
    failing = await world.emitted()
    assert await world.attempt(failing, DOWN) is DeliveryStatus.PENDING
    world.clock.at += timedelta(days=4)
    assert await world.attempt(await world.emitted()) is DeliveryStatus.SUCCEEDED
    assert world.endpoints.rows[endpoint.id].failing_since is None
    world.clock.at += timedelta(days=2)  # six days after the first failure, one after the success
    assert await world.attempt(failing, DOWN) is DeliveryStatus.PENDING
    assert world.endpoints.rows[endpoint.id].is_active is True


async def test_one_failure_after_a_quiet_week_starts_a_new_record() -> None:
    world = World(WebhookPolicy(retry_schedule=(60,), failure_window=5 * 86400))
    endpoint = await world.endpoint()
    old = await world.emitted()
    assert await world.attempt(old, DOWN) is DeliveryStatus.PENDING
    world.clock.at += timedelta(minutes=2)
    assert await world.attempt(old, DOWN) is DeliveryStatus.FAILED  # its schedule is spent; nothing else to send
    world.clock.at += timedelta(days=7)
    assert await world.attempt(await world.emitted(), DOWN) is DeliveryStatus.PENDING
    assert world.endpoints.rows[endpoint.id].is_active is True
    assert world.endpoints.rows[endpoint.id].failing_since == world.clock.now()
    assert world.inbox.entries == []


async def test_sparse_events_that_all_fail_still_disable_the_endpoint() -> None:
    """An event every 20 hours, each failing until its schedule is spent: the endpoint was never idle for long,
    so those failures are one record."""
    world = World(WebhookPolicy(retry_schedule=(60,), failure_window=5 * 86400))
    endpoint = await world.endpoint()
    started = world.clock.now()
    while world.endpoints.rows[endpoint.id].is_active:
        assert world.clock.now() - started < timedelta(days=7), "never disabled"
        delivery = await world.emitted()
        await world.attempt(delivery, DOWN)
        world.clock.at += timedelta(minutes=2)
        await world.attempt(delivery, DOWN)
        world.clock.at += timedelta(hours=20)
    assert "every delivery failed for 120 hours" in (world.endpoints.rows[endpoint.id].disabled_reason or "")
    assert len(world.inbox.entries) == 1
