"""Retention: the nightly prune removes history older than the configured days, and keeps what is still
wanted: unread inbox entries, recent runs, deliveries still waiting for a retry, recent analytics."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from assistme.config import Settings
from assistme.core.analytics.api_calls import FlushApiCalls, ReportApiCalls
from assistme.core.housekeeping.retention import Pruned, PruneHistory
from assistme.core.identity.entities import Role
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import PageRequest
from tests.support.accounts import signup
from tests.support.analytics import Recorder, recorded
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.fake_google import FakeGoogle
from tests.support.fake_receiver import FakeReceiver
from tests.support.google import google_settings
from tests.support.scheduling import Offline, RecordingQueue, hands

pytestmark = pytest.mark.usefixtures("app")
RETURN = "https://app.example.com/settings"
DAY = 24 * 3600


async def test_history_older_than_the_retention_is_pruned_and_the_rest_kept(
    settings: Settings, google: FakeGoogle, receiver: FakeReceiver
) -> None:
    google.reset()
    receiver.reset()
    configured = recorded(google_settings(settings, google, RETURN, retention_days=30, webhooks_allow_private=True))
    clock, queue, recorder = MovableClock(), RecordingQueue(), Recorder()
    async with (
        running(configured, clock_provider(clock), Offline(queue), recorder.provider()) as client,
        hands(configured, clock, queue, recorder.provider()) as worker,
    ):
        ann = await signup(client)
        job = {"name": "water", "type": "notification", "cron_expression": "0 9 * * *", "payload": {"message": "go"}}
        keyed = {**ann.headers, "Idempotency-Key": "water-1"}  # its key, kept a day, goes with the old history
        job_id = (await client.post("/api/v1/cron-jobs", json=job, headers=keyed)).json()["id"]
        for _ in range(2):  # two old runs: one entry read, one left unread
            await client.post(f"/api/v1/cron-jobs/{job_id}/run", headers=ann.headers)
            await worker.work()
            clock.advance(1)
        inbox = (await client.get("/api/v1/notifications", headers=ann.headers)).json()["items"]
        await client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=ann.headers)
        hook = {"url": "http://127.0.0.1:9/hooks", "events": ["webhook.test"]}  # nothing listens on port 9
        hook_id = (await client.post("/api/v1/webhooks", json=hook, headers=ann.headers)).json()["id"]
        hook["url"] = f"{receiver.base_url}/hooks"
        heard_id = (await client.post("/api/v1/webhooks", json=hook, headers=ann.headers)).json()["id"]
        for endpoint in (hook_id, heard_id):
            await client.post(f"/api/v1/webhooks/{endpoint}/test", headers=ann.headers)
        await worker.dispatch_webhooks()
        assert sorted(await worker.send_webhooks()) == ["pending", "succeeded"]
        started = {"return_url": RETURN}
        assert (await client.post("/api/v1/integrations/gmail/connect", json=started, headers=ann.headers)).is_success

        old_calls = {(route, method) for route, method, *_ in recorder.calls.take()}
        for route, method in old_calls:  # the calls so far, written a month ago
            recorder.calls.record(route, method, 200, 1.0, None)
        await worker.call(FlushApiCalls)
        started_at = clock.now() - timedelta(minutes=1)

        clock.advance(31 * DAY)
        await client.post(f"/api/v1/cron-jobs/{job_id}/run", headers=ann.headers)
        await worker.work()
        await worker.call(FlushApiCalls)
        pruned = await worker.call(PruneHistory)
        expected = Pruned(runs=2, deliveries=1, notifications=1, states=1, api_calls=len(old_calls), idempotency_keys=1)
        assert pruned == expected
        admin = Principal(uuid.uuid4(), Role.ADMIN)
        report = await worker.call(ReportApiCalls, admin, started_at, PageRequest(limit=100))
        assert [(s.route, s.method, s.count) for s in report.page.items] == [
            ("/api/v1/cron-jobs/{job_id}/run", "POST", 1)  # the recent call is kept
        ]
        runs = (await client.get(f"/api/v1/cron-jobs/{job_id}/runs", headers=ann.headers)).json()["items"]
        assert len(runs) == 1  # the recent one
        kept = (await client.get("/api/v1/notifications", headers=ann.headers)).json()
        assert (kept["total"], kept["unread_count"]) == (2, 2)  # the old unread entry and the new one
        waiting = (await client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=ann.headers)).json()
        assert [d["status"] for d in waiting["items"]] == ["pending"]  # still to be retried: kept
        heard = (await client.get(f"/api/v1/webhooks/{heard_id}/deliveries", headers=ann.headers)).json()
        assert heard["items"] == []
        assert await worker.call(PruneHistory) == Pruned(0, 0, 0, 0, 0, 0)
