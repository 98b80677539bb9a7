"""GET /analytics/api-calls: every request counted by route template, method and status, written in batches;
admins read count, errors and p50/p95 per route since an instant. And /metrics, off unless configured."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import msgspec
import pytest

from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import key_headers, make_key, signup
from tests.support.analytics import Recorder, recorded
from tests.support.apps import Client, running
from tests.support.clock import MovableClock, clock_provider
from tests.support.scheduling import Offline, RecordingQueue

pytestmark = pytest.mark.usefixtures("app")
CALLS = "/api/v1/analytics/api-calls"
ONE = "/api/v1/assistants/{assistant_id}"
PROBLEM = "application/problem+json"


def by_route(body: dict[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    items = body["items"]
    assert isinstance(items, list)
    return {(item["route"], item["method"]): item for item in items}


async def test_requests_are_counted_by_route_template_method_and_status(settings: Settings) -> None:
    configured, recorder = recorded(settings), Recorder()
    async with running(configured, recorder.provider()) as client:
        root = await signup(client, role=Role.ADMIN)
        missing = f"/api/v1/assistants/{uuid.uuid4()}"
        assert (await client.get(missing, headers=root.headers)).status_code == 404
        assert (await client.get("/api/v1/health")).status_code == 200
        assert (await client.get("/api/v1/health")).status_code == 200
        assert (await client.get("/api/v1/no-such-thing")).status_code == 404
        assert (await client.delete("/api/v1/health")).status_code == 405
        assert await recorder.flush(configured) >= 7  # signing up and in were counted too
        response = await client.get(CALLS, headers=root.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    routes = by_route(body)
    assert routes[(ONE, "GET")]["count"] == 1
    assert (routes[(ONE, "GET")]["client_error_count"], routes[(ONE, "GET")]["error_count"]) == (1, 0)
    assert routes[("/api/v1/health", "GET")]["count"] == 2
    assert routes[("/api/v1/auth/register", "POST")]["count"] == 1
    assert routes[("(unmatched)", "GET")]["client_error_count"] == 1  # never the raw path a client made up
    assert routes[("(unmatched)", "DELETE")]["count"] == 1
    assert not any("no-such-thing" in route or missing in route for route, _ in routes)
    assert (body["total"], body["limit"], body["offset"]) == (len(routes), 20, 0)
    assert all(item["p50_ms"] is not None and item["p95_ms"] >= item["p50_ms"] for item in body["items"])


async def test_percentiles_and_errors_come_from_the_recorded_durations(settings: Settings) -> None:
    """Durations go in through the buffer, so the answer is exact: no real timing is asserted."""
    configured, recorder = recorded(settings), Recorder()
    async with running(configured, recorder.provider()) as client:
        root = await signup(client, role=Role.ADMIN)
        recorder.calls.take()  # keep only the known durations
        for ms, status in [(4.0, 200)] * 88 + [(4.0, 500), (4.0, 404)] + [(400.0, 200)] * 10:
            recorder.calls.record("/api/v1/tasks", "POST", status, ms, None)
        await recorder.flush(configured)
        item = by_route((await client.get(CALLS, headers=root.headers)).json())[("/api/v1/tasks", "POST")]
    assert (item["count"], item["error_count"], item["client_error_count"]) == (100, 1, 1)
    assert item["p50_ms"] == round(3 + 2 * 50 / 90, 3)  # linear within the (3, 5] ms bucket
    assert item["p95_ms"] == 400.0  # halfway through the (300, 500] ms bucket


async def test_the_busiest_routes_come_first_a_page_at_a_time(settings: Settings) -> None:
    configured, recorder = recorded(settings), Recorder()
    async with running(configured, recorder.provider()) as client:
        root = await signup(client, role=Role.ADMIN)
        recorder.calls.take()
        for i, n in enumerate((3, 1, 2)):
            for _ in range(n):
                recorder.calls.record(f"/api/v1/r{i}", "GET", 200, 1.0, None)
        await recorder.flush(configured)
        first = (await client.get(CALLS, params={"limit": 2}, headers=root.headers)).json()
        rest = (await client.get(CALLS, params={"limit": 2, "offset": 2}, headers=root.headers)).json()
        too_many = await client.get(CALLS, params={"limit": 101}, headers=root.headers)
    assert [(i["route"], i["count"]) for i in first["items"]] == [("/api/v1/r0", 3), ("/api/v1/r2", 2)]
    assert [(i["route"], i["count"]) for i in rest["items"]] == [("/api/v1/r1", 1)]
    assert (first["total"], rest["total"], rest["offset"]) == (3, 3, 2)
    assert too_many.status_code == 422


async def test_since_counts_from_its_minute_and_defaults_to_the_last_24_hours(settings: Settings) -> None:
    configured, recorder, clock = recorded(settings), Recorder(), MovableClock()
    async with running(configured, recorder.provider(), clock_provider(clock)) as client:
        root = await signup(client, role=Role.ADMIN)
        recorder.calls.take()
        recorder.calls.record("/api/v1/old", "GET", 200, 1.0, None)
        await recorder.flush(configured, clock_provider(clock))
        between = clock.now() + timedelta(hours=1)
        clock.advance(25 * 3600)
        recorder.calls.record("/api/v1/new", "GET", 200, 1.0, None)
        await recorder.flush(configured, clock_provider(clock))

        async def routes(**params: str) -> list[str]:
            response = await client.get(CALLS, params=params, headers=root.headers)
            assert response.status_code == 200, response.text
            return sorted(route for route, _ in by_route(response.json()) if route in ("/api/v1/old", "/api/v1/new"))

        assert await routes() == ["/api/v1/new"]  # the old one is 25 hours back
        assert await routes(since=between.isoformat()) == ["/api/v1/new"]
        assert await routes(since=(between - timedelta(hours=2)).isoformat()) == ["/api/v1/new", "/api/v1/old"]
        assert await routes(since=(clock.now() + timedelta(hours=1)).isoformat()) == []
        answer = (await client.get(CALLS, params={"since": between.isoformat()}, headers=root.headers)).json()
        assert datetime.fromisoformat(answer["since"]) == between.replace(second=0, microsecond=0)
        assert answer["since"].endswith("Z")


@pytest.mark.parametrize(
    "since", ["yesterday", "", "2026-13-01T00:00:00Z", "2026-05-01T09:00:00", "0001-01-01T00:00:00+14:00"]
)
async def test_a_since_that_is_not_an_instant_with_an_offset_is_422(settings: Settings, since: str) -> None:
    async with running(recorded(settings)) as client:
        root = await signup(client, role=Role.ADMIN)
        response = await client.get(CALLS, params={"since": since}, headers=root.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in response.json()["errors"]] == ["since"]


async def test_only_admins_read_analytics(settings: Settings) -> None:
    async with running(recorded(settings)) as client:
        root = await signup(client, role=Role.ADMIN)
        user = await signup(client)
        key = await make_key(client, root, "users:read", "act_as")
        answers = [
            await client.get(CALLS),
            await client.get(CALLS, headers={"Authorization": "Bearer not-a-token"}),
            await client.get(CALLS, headers=user.headers),
            await client.get(CALLS, headers=key_headers(key)),
            await client.get(CALLS, headers=key_headers(key, act_as=user.id)),
        ]
    assert [a.status_code for a in answers] == [401, 401, 403, 403, 403]
    assert all(a.headers["content-type"].startswith(PROBLEM) for a in answers)


async def test_with_analytics_off_nothing_is_recorded(settings: Settings) -> None:
    configured, recorder = recorded(settings, analytics_enabled=False), Recorder()
    async with running(configured, recorder.provider()) as client:
        await client.get("/api/v1/health")
    assert len(recorder.calls) == 0


async def test_the_app_writes_what_is_left_when_it_stops(settings: Settings) -> None:
    configured, recorder = recorded(settings), Recorder()
    async with running(configured, recorder.provider()) as client:
        root = await signup(client, role=Role.ADMIN)
        await client.get("/api/v1/health")
    assert len(recorder.calls) == 0  # the shutdown flushed
    async with running(configured) as client:
        routes = by_route((await client.get(CALLS, headers=root.headers)).json())
    assert routes[("/api/v1/health", "GET")]["count"] == 1


async def test_metrics_are_off_by_default(client: Client) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def test_metrics_count_requests_and_report_due_work(settings: Settings) -> None:
    configured = msgspec.structs.replace(settings, metrics_enabled=True)
    async with running(configured, Offline(RecordingQueue())) as client:
        account = await signup(client)
        job = {"name": "water", "type": "notification", "cron_expression": "0 9 * * *", "payload": {"message": "go"}}
        job_id = (await client.post("/api/v1/cron-jobs", json=job, headers=account.headers)).json()["id"]
        assert (await client.post(f"/api/v1/cron-jobs/{job_id}/run", headers=account.headers)).status_code == 202
        await client.get(f"/api/v1/cron-jobs/{job_id}", headers=account.headers)
        response = await client.get("/metrics")
        schema = (await client.get("/schema/openapi.json")).json()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'assistme_requests_total{app_name="assistme",method="GET",path="/api/v1/cron-jobs/{job_id}"' in text
    assert "assistme_request_duration_seconds_bucket" in text
    assert 'assistme_due_work_waiting{kind="job_runs"} 1.0' in text  # the manual run no worker took (queued only)
    for kind in ("jobs", "agent_tasks", "webhook_deliveries"):
        assert f'assistme_due_work_waiting{{kind="{kind}"}} 0.0' in text
        assert f'assistme_due_work_lag_seconds{{kind="{kind}"}} 0.0' in text
    assert 'assistme_due_work_lag_seconds{kind="job_runs"}' in text
    assert "assistme_analytics_dropped 0.0" in text
    assert "/metrics" not in schema["paths"]


async def test_metrics_with_a_token_answer_only_that_bearer(settings: Settings) -> None:
    token = "metrics-" + "t" * 32
    async with running(msgspec.structs.replace(settings, metrics_enabled=True, metrics_token=token)) as client:
        answers = [
            await client.get("/metrics"),
            await client.get("/metrics", headers={"Authorization": "Bearer wrong"}),
            await client.get("/metrics", headers={"Authorization": f"Bearer {token}"}),
        ]
    assert [a.status_code for a in answers] == [401, 401, 200]
    assert answers[0].headers["content-type"].startswith(PROBLEM)
    assert answers[0].headers["www-authenticate"] == "Bearer"
