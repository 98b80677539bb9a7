"""Jobs through the API: validation, ownership, previews, and each occurrence run once by the scheduler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from tests.support.accounts import Account, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.scheduling import Hands, Offline, RecordingQueue, hands

Client = AsyncTestClient[Litestar]
JOBS = "/api/v1/cron-jobs"

pytestmark = pytest.mark.usefixtures("app")  # its cleanup empties the tables these tests fill


@dataclass
class World:
    client: Client
    hands: Hands
    clock: MovableClock


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    clock, queue = MovableClock(), RecordingQueue()
    async with running(settings, clock_provider(clock), Offline(queue)) as client, hands(settings, clock, queue) as h:
        yield World(client, h, clock)


def reminder(**extra: Any) -> dict[str, Any]:
    return {"name": "stand up", "type": "notification", "payload": {"message": "stretch"}, **extra}


async def create(client: Client, owner: Account, **extra: Any) -> dict[str, Any]:
    response = await client.post(JOBS, json=reminder(**extra), headers=owner.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_job_takes_the_owners_zone_and_answers_its_next_run(world: World) -> None:
    owner = await signup(world.client)
    await world.client.patch("/api/v1/users/me", json={"timezone": "America/New_York"}, headers=owner.headers)
    job = await create(world.client, owner, cron_expression="0  9 * * 1-5")
    assert (job["timezone"], job["cron_expression"], job["misfire_policy"]) == (
        "America/New_York",
        "0 9 * * 1-5",
        "run_once",
    )
    assert job["owner_id"] == owner.id
    assert job["is_active"] is True
    next_run = instant(job["next_run_at"])
    local = next_run.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute, local.weekday() < 5) == (9, 0, True)
    assert next_run > world.clock.now()
    assert job["next_run_at"].endswith("Z")


async def test_a_job_that_cannot_run_is_refused_naming_the_field(world: World) -> None:
    owner = await signup(world.client)
    past = (world.clock.now() - timedelta(minutes=1)).isoformat()
    cases = [
        (reminder(cron_expression="61 * * * *"), "cron_expression"),
        (reminder(cron_expression="0 0 30 2 *"), "cron_expression"),  # never fires
        (reminder(cron_expression="* * * * * *"), "cron_expression"),  # six fields
        (reminder(cron_expression="0 9 * * *", timezone="Mars/Olympus"), "timezone"),
        (reminder(run_at="2030-01-01T09:00:00"), "run_at"),  # no offset
        (reminder(run_at=past), "run_at"),
        (reminder(), "cron_expression"),  # neither
        (reminder(payload={"text": "x"}, cron_expression="0 9 * * *"), "payload.text"),
        (reminder(type="schedule", payload={"message": "x"}, cron_expression="0 9 * * *"), "payload.message"),
        (reminder(misfire_policy="sometimes", cron_expression="0 9 * * *"), "misfire_policy"),
        (reminder(next_run_at=past, cron_expression="0 9 * * *"), "next_run_at"),  # computed, never given
        (reminder(owner_id=owner.id, cron_expression="0 9 * * *"), "owner_id"),
    ]
    for body, field in cases:
        response = await world.client.post(JOBS, json=body, headers=owner.headers)
        assert response.status_code == 422, (body, response.text)
        assert field in str(response.json()), (body, response.json())
    assert (await world.client.get(JOBS, headers=owner.headers)).json()["total"] == 0


async def test_a_schedule_job_may_only_ask_the_owners_own_assistant(world: World) -> None:
    owner, stranger = await signup(world.client), await signup(world.client)
    body = {"name": "Jeeves", "model": "llama3.1"}
    theirs = (await world.client.post("/api/v1/assistants", json=body, headers=stranger.headers)).json()
    mine = (await world.client.post("/api/v1/assistants", json=body, headers=owner.headers)).json()
    ask = {"type": "schedule", "cron_expression": "0 7 * * *"}
    refused = await world.client.post(
        JOBS,
        json=reminder(**ask, payload={"prompt": "plan my day", "assistant_id": theirs["id"]}),
        headers=owner.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "payload.assistant_id"
    ok = await create(world.client, owner, **ask, payload={"prompt": "plan my day", "assistant_id": mine["id"]})
    assert ok["payload"]["assistant_id"] == mine["id"]


async def test_another_users_job_is_404_for_every_verb(world: World) -> None:
    owner, stranger = await signup(world.client), await signup(world.client)
    job = await create(world.client, owner, cron_expression="0 9 * * *")
    target = f"{JOBS}/{job['id']}"
    for method, path, body in [
        ("GET", target, None),
        ("PATCH", target, {"name": "mine"}),
        ("PUT", target, reminder(cron_expression="0 9 * * *")),
        ("DELETE", target, None),
        ("GET", f"{target}/runs", None),
        ("GET", f"{target}/next-runs", None),
        ("POST", f"{target}/run", None),
    ]:
        response = await world.client.request(method, path, json=body, headers=stranger.headers)
        assert response.status_code == 404, (method, path, response.text)
    assert (await world.client.get(f"{JOBS}/not-an-id", headers=owner.headers)).status_code == 404
    assert (await world.client.get(JOBS, headers=stranger.headers)).json()["total"] == 0
    assert (await world.client.get(target, headers=owner.headers)).json()["name"] == "stand up"


async def test_next_runs_previews_fire_times_across_a_daylight_saving_change(world: World) -> None:
    owner = await signup(world.client)
    job = await create(world.client, owner, cron_expression="30 2 * * *", timezone="Europe/Berlin")
    preview = f"{JOBS}/{job['id']}/next-runs"
    spring = await world.client.get(preview, params={"n": 3, "from": "2026-03-27T12:00:00Z"}, headers=owner.headers)
    assert spring.json()["items"] == ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"]
    autumn = await world.client.get(preview, params={"n": 3, "from": "2026-10-24T12:00:00Z"}, headers=owner.headers)
    assert autumn.json()["items"] == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"]
    assert len((await world.client.get(preview, headers=owner.headers)).json()["items"]) == 5
    for params in ({"n": 0}, {"n": 51}, {"from": "2026-03-27T12:00:00"}, {"from": "yesterday"}):
        response = await world.client.get(preview, params=params, headers=owner.headers)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.status_code == 422 or params["from"] == "yesterday"


async def test_an_edit_recounts_the_next_run_and_pausing_stops_it(world: World) -> None:
    owner = await signup(world.client)
    job = await create(world.client, owner, cron_expression="0 9 * * *", timezone="UTC")
    target = f"{JOBS}/{job['id']}"
    changed = (await world.client.patch(target, json={"cron_expression": "*/5 * * * *"}, headers=owner.headers)).json()
    assert instant(changed["next_run_at"]) - world.clock.now() <= timedelta(minutes=5)
    paused = (await world.client.patch(target, json={"is_active": False}, headers=owner.headers)).json()
    assert paused["next_run_at"] is None
    soon = (world.clock.now() + timedelta(hours=1)).replace(microsecond=0)
    one_off = await world.client.patch(
        target, json={"is_active": True, "run_at": soon.isoformat()}, headers=owner.headers
    )
    assert one_off.status_code == 200, one_off.text
    assert (one_off.json()["cron_expression"], instant(one_off.json()["next_run_at"])) == (None, soon)
    bad = await world.client.patch(target, json={"cron_expression": "often"}, headers=owner.headers)
    assert bad.status_code == 422
    assert (await world.client.get(target, headers=owner.headers)).json()["run_at"] is not None  # unchanged


async def test_each_occurrence_is_recorded_once_and_runs_once(world: World) -> None:
    owner = await signup(world.client)
    job = await create(world.client, owner, cron_expression="* * * * *")
    first = instant(job["next_run_at"])
    assert await world.hands.dispatch() == 0  # not due yet
    world.clock.advance((first - world.clock.now()).total_seconds() + 0.2)
    assert await world.hands.dispatch() == 1
    assert await world.hands.dispatch() == 0  # the same occurrence is not recorded twice
    run_id = world.hands.queue.executions[0]
    world.hands.queue.executions.append(run_id)  # a redelivered message
    assert [str(s) for s in await world.hands.work()] == ["succeeded", "None"]

    runs = (await world.client.get(f"{JOBS}/{job['id']}/runs", headers=owner.headers)).json()
    assert runs["total"] == 1
    run = runs["items"][0]
    assert (instant(run["scheduled_for"]), run["trigger"], run["status"], run["attempts"]) == (
        first,
        "schedule",
        "succeeded",
        1,
    )
    assert instant(run["started_at"]) >= first
    assert run["finished_at"] is not None
    assert run["delivery"] is None
    inbox = (await world.client.get("/api/v1/notifications", headers=owner.headers)).json()
    assert [(n["title"], n["body"], n["run_id"]) for n in inbox["items"]] == [("stand up", "stretch", run["id"])]
    moved = (await world.client.get(f"{JOBS}/{job['id']}", headers=owner.headers)).json()
    assert instant(moved["next_run_at"]) == first + timedelta(minutes=1)


async def test_two_schedulers_passing_at_once_record_each_occurrence_once(world: World, settings: Settings) -> None:
    owner = await signup(world.client)
    jobs = [await create(world.client, owner, cron_expression="* * * * *") for _ in range(5)]
    world.clock.advance(61)
    async with hands(settings, world.clock, world.hands.queue) as other:
        counts = await asyncio.gather(world.hands.dispatch(), other.dispatch(), world.hands.dispatch())
    assert sum(counts) == len(jobs)
    assert sorted(map(str, world.hands.queue.executions)) == sorted(set(map(str, world.hands.queue.executions)))


async def test_occurrences_missed_while_no_scheduler_ran_follow_the_misfire_policy(world: World) -> None:
    owner = await signup(world.client)
    every_ten = {"cron_expression": "*/10 * * * *"}
    skip = await create(world.client, owner, **every_ten, misfire_policy="skip")
    once = await create(world.client, owner, **every_ten)
    every = await create(world.client, owner, **every_ten, misfire_policy="run_all")
    first = instant(skip["next_run_at"])
    # Back 35 minutes after the first fire: four occurrences passed, the latest five minutes ago, none on time.
    world.clock.advance((first - world.clock.now()).total_seconds() + 35 * 60)
    await world.hands.dispatch()
    await world.hands.work()

    async def statuses(job: dict[str, Any]) -> list[tuple[str, str]]:
        items = (await world.client.get(f"{JOBS}/{job['id']}/runs", headers=owner.headers)).json()["items"]
        return [(r["scheduled_for"], r["status"]) for r in reversed(items)]

    fires = [(first + timedelta(minutes=m)).isoformat().replace("+00:00", "Z") for m in (0, 10, 20, 30)]
    assert await statuses(skip) == [(t, "missed") for t in fires]
    assert await statuses(once) == [(t, "missed") for t in fires[:3]] + [(fires[3], "succeeded")]
    assert await statuses(every) == [(t, "succeeded") for t in fires]
    for job in (skip, once, every):
        after = (await world.client.get(f"{JOBS}/{job['id']}", headers=owner.headers)).json()
        assert instant(after["next_run_at"]) == first + timedelta(minutes=40)


async def test_a_run_whose_worker_died_is_handed_to_another_and_completes_once(world: World) -> None:
    owner = await signup(world.client)
    job = await create(world.client, owner, cron_expression="0 9 * * *")
    accepted = await world.client.post(f"{JOBS}/{job['id']}/run", headers=owner.headers)
    assert accepted.status_code == 202
    assert (accepted.json()["trigger"], accepted.json()["status"]) == ("manual", "pending")
    world.hands.queue.executions.clear()  # the message is lost with its worker
    assert await world.hands.sweep() == (0, 0)  # the lease has not run out yet
    world.clock.advance(61)
    assert await world.hands.sweep() == (1, 0)
    assert await world.hands.work() == ["succeeded"]  # type: ignore[comparison-overlap]
    run = (await world.client.get(f"{JOBS}/{job['id']}/runs", headers=owner.headers)).json()["items"][0]
    assert (run["status"], run["attempts"]) == ("succeeded", 1)
    inbox = (await world.client.get("/api/v1/notifications", headers=owner.headers)).json()
    assert inbox["total"] == 1


async def test_deleting_a_job_stops_its_runs_and_keeps_the_inbox(world: World) -> None:
    owner = await signup(world.client)
    job = await create(world.client, owner, cron_expression="* * * * *")
    await world.client.post(f"{JOBS}/{job['id']}/run", headers=owner.headers)
    await world.hands.work()
    await world.client.post(f"{JOBS}/{job['id']}/run", headers=owner.headers)  # queued, not yet run
    assert (await world.client.delete(f"{JOBS}/{job['id']}", headers=owner.headers)).status_code == 204
    assert await world.hands.work() == [None]
    world.clock.advance(120)
    assert await world.hands.dispatch() == 0
    assert (await world.client.get(f"{JOBS}/{job['id']}", headers=owner.headers)).status_code == 404
    inbox = (await world.client.get("/api/v1/notifications", headers=owner.headers)).json()
    assert [(n["body"], n["run_id"]) for n in inbox["items"]] == [("stretch", None)]


async def test_a_person_holds_a_bounded_number_of_jobs(settings: Settings) -> None:
    clock, queue = MovableClock(), RecordingQueue()
    limited = msgspec.structs.replace(settings, max_jobs_per_user=2)
    async with running(limited, clock_provider(clock), Offline(queue)) as client:
        owner = await signup(client)
        for _ in range(2):
            await create(client, owner, cron_expression="0 9 * * *")
        over = await client.post(JOBS, json=reminder(cron_expression="0 9 * * *"), headers=owner.headers)
        assert over.status_code == 409


@pytest.mark.parametrize(
    ("expression", "start", "local_day"),
    [
        ("30 2 * * *", "2027-03-27T12:00:00+00:00", "2027-03-28"),  # spring forward: 02:30 does not exist
        ("30 2 * * *", "2027-10-30T12:00:00+00:00", "2027-10-31"),  # fall back: 02:30 happens twice
    ],
)
async def test_the_scheduler_runs_a_berlin_0230_job_once_on_a_daylight_saving_day(
    world: World, expression: str, start: str, local_day: str
) -> None:
    owner = await signup(world.client)
    job = await create(world.client, owner, cron_expression=expression, timezone="Europe/Berlin")
    world.clock.advance((datetime.fromisoformat(start) - world.clock.now()).total_seconds())
    await world.client.patch(f"{JOBS}/{job['id']}", json={"name": "counted from now"}, headers=owner.headers)
    for _ in range(36 * 6):  # a day and a half in ten-minute steps, a scheduler pass at each
        world.clock.advance(600)
        await world.hands.dispatch()
    await world.hands.work()
    runs = (await world.client.get(f"{JOBS}/{job['id']}/runs", headers=owner.headers)).json()["items"]
    berlin = ZoneInfo("Europe/Berlin")
    on_the_day = [r for r in runs if instant(r["scheduled_for"]).astimezone(berlin).date().isoformat() == local_day]
    assert len(on_the_day) == 1, runs
    assert all(r["status"] == "succeeded" for r in runs)
