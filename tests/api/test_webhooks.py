"""Webhooks through the API and the worker: signed Standard Webhooks deliveries to a receiver on 127.0.0.1,
retries, disabling, rotation, resends, and the address guard at creation and at delivery time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import msgspec
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from assistme.config import Settings
from tests.support.accounts import signup
from tests.support.fake_receiver import FakeReceiver
from tests.support.webhook_world import HOOKS, World, instant, open_world, verified

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
async def world(settings: Settings, receiver: FakeReceiver) -> AsyncIterator[World]:
    async for opened in open_world(settings, receiver, allow_private=True):
        yield opened


async def test_a_webhook_shows_its_secret_once_and_belongs_to_its_owner(world: World) -> None:
    ann, bob = await signup(world.client), await signup(world.client)
    hook = await world.hook(ann, "reminder.fired", "task.completed")
    assert hook["secret"].startswith("whsec_")
    assert hook["events"] == ["reminder.fired", "task.completed"]
    shown = (await world.client.get(f"{HOOKS}/{hook['id']}", headers=ann.headers)).json()
    listed = (await world.client.get(HOOKS, headers=ann.headers)).json()
    assert "secret" not in shown
    assert hook["secret"] not in json.dumps(listed)
    assert listed["total"] == 1
    for method, path in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/test"),
        ("POST", "/rotate-secret"),
        ("GET", "/deliveries"),
    ):
        answer = await world.client.request(method, f"{HOOKS}/{hook['id']}{path}", json={}, headers=bob.headers)
        assert answer.status_code == 404, (method, path)
    assert (await world.client.get(HOOKS, headers=bob.headers)).json()["total"] == 0


async def test_the_catalog_and_bad_bodies(world: World) -> None:
    ann = await signup(world.client)
    catalog = (await world.client.get(f"{HOOKS}/events", headers=ann.headers)).json()
    assert {"reminder.fired", "task.completed", "task.failed", "webhook.test"} <= {e["type"] for e in catalog}
    url = f"{world.receiver.base_url}/hooks"
    for body in (
        {"url": url, "events": ["no.such.event"]},
        {"url": url, "events": []},
        {"url": url, "events": ["webhook.test"], "secret": "whsec_mine"},  # a caller never chooses it
        {"url": "ftp://example.com/", "events": ["webhook.test"]},
        {"url": url, "events": ["webhook.test"], "description": "x" * 501},
    ):
        answer = await world.client.post(HOOKS, json=body, headers=ann.headers)
        assert answer.status_code == 422, body
    assert (await world.client.get(HOOKS, headers=ann.headers)).json()["total"] == 0


async def test_a_delivery_is_signed_by_the_standard_and_recorded(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    await world.test(ann, hook)
    assert world.receiver.received == []  # sent by the worker, not on the request path
    assert await world.deliver() == ["succeeded"]
    (request,) = world.receiver.received
    event = verified(hook["secret"], request)
    assert event["type"] == "webhook.test"
    assert event["data"]["webhook_id"] == hook["id"]
    assert request.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(request.body, request.headers)
    (delivery,) = await world.deliveries(ann, hook)
    assert (delivery["status"], delivery["attempt"], delivery["response_status"]) == ("succeeded", 1, 200)
    assert delivery["message_id"] == request.headers["webhook-id"]
    assert delivery["attempts"][0]["duration_ms"] >= 0


async def test_a_redelivered_message_does_not_send_twice(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    await world.test(ann, hook)
    await world.hands.dispatch_webhooks()
    world.hands.queue.webhooks.append(world.hands.queue.webhooks[0])  # the broker hands it out again
    assert await world.hands.send_webhooks() == ["succeeded", None]
    assert await world.hands.dispatch_webhooks() == 0
    assert len(world.receiver.received) == 1


async def test_failures_are_retried_on_the_schedule_with_the_same_webhook_id(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    await world.test(ann, hook)
    world.receiver.answer(500)
    assert await world.deliver() == ["pending"]
    (delivery,) = await world.deliveries(ann, hook)
    wait = instant(delivery["next_attempt_at"]) - instant(delivery["attempts"][0]["created_at"])
    assert timedelta(seconds=4.4) <= wait <= timedelta(seconds=5.6)  # 5 s, give or take the jitter
    assert await world.deliver() == []  # not due yet
    world.advance(6)
    assert await world.deliver() == ["succeeded"]
    first, second = world.receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    (delivery,) = await world.deliveries(ann, hook)
    assert [(a["attempt"], a["response_status"]) for a in delivery["attempts"]] == [(1, 500), (2, 200)]


async def test_retry_after_is_honoured_when_longer(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    await world.test(ann, hook)
    world.receiver.answer(429, headers={"Retry-After": "600"})
    assert await world.deliver() == ["pending"]
    (delivery,) = await world.deliveries(ann, hook)
    wait = instant(delivery["next_attempt_at"]) - instant(delivery["attempts"][0]["created_at"])
    assert wait >= timedelta(seconds=599)
    world.advance(300)
    assert await world.deliver() == []


async def test_redirects_are_not_followed_and_big_answers_are_cut(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    await world.test(ann, hook)
    world.receiver.answer(302, headers={"Location": f"{world.receiver.base_url}/elsewhere"})
    assert await world.deliver() == ["pending"]
    assert [r.path for r in world.receiver.received] == ["/hooks"]
    (delivery,) = await world.deliveries(ann, hook)
    assert "redirects are not followed" in delivery["attempts"][0]["error"]
    world.advance(6)
    world.receiver.answer(200, body=b"x" * 5_000_000)
    assert await world.deliver() == ["succeeded"]


async def test_a_receiver_that_answers_410_disables_the_webhook_and_tells_its_owner(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    await world.test(ann, hook)
    await world.test(ann, hook)
    world.receiver.answer(410)
    assert await world.deliver() == ["failed", None]  # the second was abandoned with its endpoint
    shown = (await world.client.get(f"{HOOKS}/{hook['id']}", headers=ann.headers)).json()
    assert shown["is_active"] is False
    assert "410" in shown["disabled_reason"]
    assert [d["status"] for d in await world.deliveries(ann, hook)] == ["failed", "failed"]
    inbox = (await world.client.get("/api/v1/notifications", headers=ann.headers)).json()["items"]
    assert [n["title"] for n in inbox] == ["A webhook was disabled"]
    assert (await world.client.post(f"{HOOKS}/{hook['id']}/test", headers=ann.headers)).status_code == 409
    enabled = await world.client.patch(f"{HOOKS}/{hook['id']}", json={"is_active": True}, headers=ann.headers)
    assert (enabled.json()["is_active"], enabled.json()["disabled_reason"]) == (True, None)


async def test_a_webhook_failing_for_the_whole_window_is_disabled(settings: Settings, receiver: FakeReceiver) -> None:
    tight = msgspec.structs.replace(settings, webhook_failure_window=3600, webhook_retry_schedule=[600] * 10)
    async for world in open_world(tight, receiver, allow_private=True):
        ann = await signup(world.client)
        hook = await world.hook(ann)
        await world.test(ann, hook)
        for _ in range(6):
            world.receiver.answer(503)
            assert await world.deliver() == ["pending"]
            world.advance(700)
        world.receiver.answer(503)
        assert await world.deliver() == ["failed"]
        shown = (await world.client.get(f"{HOOKS}/{hook['id']}", headers=ann.headers)).json()
        assert shown["is_active"] is False
        assert "every delivery failed for 1 hours" in shown["disabled_reason"]


async def test_a_spent_schedule_fails_the_delivery(settings: Settings, receiver: FakeReceiver) -> None:
    async for world in open_world(
        msgspec.structs.replace(settings, webhook_retry_schedule=[1]), receiver, allow_private=True
    ):
        ann = await signup(world.client)
        hook = await world.hook(ann)
        await world.test(ann, hook)
        world.receiver.answer(500)
        world.receiver.answer(500)
        assert await world.deliver() == ["pending"]
        world.advance(2)
        assert await world.deliver() == ["failed"]
        assert len(world.receiver.received) == 2


async def test_a_slow_receiver_times_out(settings: Settings, receiver: FakeReceiver) -> None:
    async for world in open_world(msgspec.structs.replace(settings, webhook_timeout=0.3), receiver, allow_private=True):
        ann = await signup(world.client)
        hook = await world.hook(ann)
        await world.test(ann, hook)
        world.receiver.answer(200, delay=1.5)
        assert await world.deliver() == ["pending"]
        (delivery,) = await world.deliveries(ann, hook)
        assert delivery["attempts"][0]["error"] == "no answer within 0.3 s"
        assert delivery["attempts"][0]["response_status"] is None


async def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    rotated = (await world.client.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=ann.headers)).json()
    assert rotated["secret"] != hook["secret"]
    await world.test(ann, hook)
    await world.deliver()
    during = world.receiver.received[-1]
    assert verified(hook["secret"], during)["type"] == "webhook.test"
    assert verified(rotated["secret"], during)["type"] == "webhook.test"
    assert len(during.headers["webhook-signature"].split()) == 2
    world.advance(24 * 3600 + 1)
    await world.test(ann, hook)
    await world.deliver()
    after = world.receiver.received[-1]
    assert after.headers["webhook-signature"].count("v1,") == 1
    assert after.headers["webhook-signature"] != during.headers["webhook-signature"]


async def test_a_resend_repeats_the_message_with_its_webhook_id(world: World) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    await world.test(ann, hook)
    await world.deliver()
    (original,) = await world.deliveries(ann, hook)
    resent = await world.client.post(f"{HOOKS}/{hook['id']}/deliveries/{original['id']}/resend", headers=ann.headers)
    assert resent.status_code == 202
    assert await world.deliver() == ["succeeded"]
    first, second = world.receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    other = await world.hook(ann)
    moved = await world.client.post(f"{HOOKS}/{other['id']}/deliveries/{original['id']}/resend", headers=ann.headers)
    assert moved.status_code == 404


async def test_a_fired_reminder_reaches_the_webhooks_that_want_it(world: World) -> None:
    ann = await signup(world.client)
    wanted, unwanted = await world.hook(ann, "reminder.fired"), await world.hook(ann, "task.completed")
    job = {"name": "stand up", "type": "notification", "cron_expression": "0 9 * * *", "payload": {"message": "go"}}
    created = (await world.client.post("/api/v1/cron-jobs", json=job, headers=ann.headers)).json()
    await world.client.post(f"/api/v1/cron-jobs/{created['id']}/run", headers=ann.headers)
    assert await world.hands.work() == ["succeeded"]
    assert await world.deliver() == ["succeeded"]
    (request,) = world.receiver.received
    event = verified(wanted["secret"], request)
    assert event["type"] == "reminder.fired"
    assert (event["data"]["job_id"], event["data"]["message"]) == (created["id"], "go")
    assert await world.deliveries(ann, unwanted) == []


async def test_private_targets_are_refused_at_creation_and_at_delivery(
    settings: Settings, receiver: FakeReceiver
) -> None:
    async for world in open_world(settings, receiver, allow_private=False):
        ann = await signup(world.client)
        for url in ("http://127.0.0.1/h", "http://2130706433/h", "http://[::ffff:127.0.0.1]/h", "http://10.0.0.1/h"):
            answer = await world.client.post(HOOKS, json={"url": url, "events": ["webhook.test"]}, headers=ann.headers)
            assert answer.status_code == 422, url
        world.names.table["hooks.example.com"] = ["93.184.216.34"]
        hook = await world.hook(ann, url="http://hooks.example.com/hooks")
        moved = await world.client.patch(
            f"{HOOKS}/{hook['id']}", json={"url": "http://169.254.169.254/"}, headers=ann.headers
        )
        assert moved.status_code == 422
        world.names.table["hooks.example.com"] = ["127.0.0.1"]  # the name now points inside
        await world.test(ann, hook)
        assert await world.deliver() == ["failed"]
        (delivery,) = await world.deliveries(ann, hook)
        assert "public address" in delivery["attempts"][0]["error"]
        assert world.receiver.received == []
