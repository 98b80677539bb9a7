"""The served scheduling processes for real: two `taskiq scheduler` processes and `taskiq worker` processes
against PostgreSQL and Redis. Each occurrence runs once; a worker killed mid-run leaves a run that another
worker completes once. The figures the issue asks for (drift, duplicates, runs per second) are printed."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import Account, key_headers, make_key, signup
from tests.support.apps import running
from tests.support.fake_telegram import FakeTelegram
from tests.support.workers import eventually, processes

Client = AsyncTestClient[Litestar]
JOBS = "/api/v1/cron-jobs"
CHAT = 555000111

pytestmark = [
    pytest.mark.parametrize("base_settings", ["postgres"], indirect=True),
    pytest.mark.usefixtures("app"),
]


@pytest.fixture
def served(settings: Settings, telegram: FakeTelegram) -> Settings:
    """Short leases and passes, so a dead worker's run comes back within seconds."""
    telegram.reset()
    return msgspec.structs.replace(
        settings,
        telegram_bot_token=telegram.token,
        telegram_api_base=telegram.base_url,
        telegram_timeout=3.0,
        run_lease_seconds=5,
        scheduler_poll_interval=0.2,
        scheduler_sweep_interval=1.0,
        rate_limit_enabled=False,  # the test itself polls the API far faster than a person would
    )


@pytest.fixture
async def client(served: Settings) -> AsyncIterator[Client]:
    async with running(served) as client:
        yield client


async def runs_of(client: Client, owner: Account, job_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{JOBS}/{job_id}/runs", params={"limit": 100}, headers=owner.headers)
    return list(response.json()["items"])


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def test_two_schedulers_and_a_worker_run_each_occurrence_once(
    client: Client, served: Settings, tmp_path: Path
) -> None:
    owner = await signup(client)
    with processes(served, tmp_path) as group:
        group.scheduler("scheduler-a")
        group.scheduler("scheduler-b")
        group.worker("worker")
        await asyncio.sleep(3)  # both schedulers polling, the worker listening
        every_minute = (await client.post(JOBS, json=_job(cron_expression="* * * * *"), headers=owner.headers)).json()
        start = datetime.now(UTC) + timedelta(seconds=2)
        one_offs = []
        for i in range(40):
            at = (start + timedelta(seconds=i / 2)).isoformat()
            one_offs.append((await client.post(JOBS, json=_job(run_at=at), headers=owner.headers)).json())
        first = instant(every_minute["next_run_at"])

        async def two_minutes_ran() -> bool:
            done = [r for r in await runs_of(client, owner, every_minute["id"]) if r["status"] == "succeeded"]
            return len(done) >= 2

        await eventually(two_minutes_ran, "two occurrences of the every-minute job", 150, group)
        await asyncio.sleep(2)  # a late duplicate, if any, would land now

    minute_runs = await runs_of(client, owner, every_minute["id"])
    fires = sorted(instant(r["scheduled_for"]) for r in minute_runs)
    assert fires[:2] == [first, first + timedelta(minutes=1)]
    assert len(fires) == len(set(fires))
    drifts = [(instant(r["started_at"]) - instant(r["scheduled_for"])).total_seconds() for r in minute_runs]
    for job in one_offs:
        runs = await runs_of(client, owner, job["id"])
        assert [(instant(r["scheduled_for"]), r["status"], r["attempts"]) for r in runs] == [
            (instant(job["run_at"]), "succeeded", 1)
        ], runs
        drifts += [(instant(r["started_at"]) - instant(r["scheduled_for"])).total_seconds() for r in runs]
    inbox = (await client.get("/api/v1/notifications", params={"limit": 100}, headers=owner.headers)).json()
    occurrences = len(one_offs) + len(minute_runs)
    duplicates = inbox["total"] - occurrences
    p50, p99 = statistics.median(drifts), percentile(drifts, 0.99)
    print(f"\nscheduler drift over {len(drifts)} runs: p50 {p50:.3f} s, p99 {p99:.3f} s; duplicate runs: {duplicates}")
    assert duplicates == 0
    assert min(drifts) >= 0
    # Polling every 0.2 s, due work is handed over at once; a single run held up by a pause of this shared machine
    # (3.4 s once in CI) is noise, but work left for the 5 s sweep, or later, is a fault.
    assert p50 < 1.0, f"drift p50 {p50:.3f} s"
    assert max(drifts) < 10.0, f"drift max {max(drifts):.3f} s"


async def test_a_worker_killed_mid_run_leaves_it_to_another_that_completes_it_once(
    client: Client, served: Settings, telegram: FakeTelegram, tmp_path: Path
) -> None:
    owner = await signup(client)
    root = await signup(client, role=Role.ADMIN)
    bot = key_headers(await make_key(client, root, "users:write"))
    code = (await client.post("/api/v1/users/me/telegram-link", headers=owner.headers)).json()["code"]
    link = {"code": code, "chat_id": CHAT, "telegram_id": CHAT}
    assert (await client.post("/api/v1/telegram/link", json=link, headers=bot)).status_code == 204
    job = (await client.post(JOBS, json=_job(cron_expression="0 9 * * *"), headers=owner.headers)).json()
    telegram.hang_next(1, 2.5)  # the first worker is inside its Telegram call when it dies

    with processes(served, tmp_path) as group:
        group.scheduler("scheduler")
        group.worker("doomed")
        await asyncio.sleep(3)
        assert (await client.post(f"{JOBS}/{job['id']}/run", headers=owner.headers)).status_code == 202

        async def inside_telegram() -> bool:
            return telegram.requests >= 1

        await eventually(inside_telegram, "the first worker calling Telegram", 30, group)
        group.kill("doomed")
        runs = await runs_of(client, owner, job["id"])
        assert [(r["status"], r["attempts"]) for r in runs] == [("running", 1)]
        group.worker("successor")

        async def completed() -> bool:
            return [r["status"] for r in await runs_of(client, owner, job["id"])] == ["succeeded"]

        await eventually(completed, "the run handed to the second worker", 60, group)

    (run,) = await runs_of(client, owner, job["id"])
    assert (run["attempts"], run["delivery"]) == (2, "sent")
    inbox = (await client.get("/api/v1/notifications", headers=owner.headers)).json()
    assert inbox["total"] == 1
    assert {(m.chat_id, m.text) for m in telegram.messages} == {(CHAT, "stand up\n\nstretch")}  # at least once


async def test_the_worker_throughput(client: Client, served: Settings, tmp_path: Path) -> None:
    """Not a check of speed (no bound): the figure for the closing note, printed. The runs wait in the stream
    before the worker starts, and the rate is read off their finish times, so neither the API nor the worker's
    start-up is counted."""
    owner = await signup(client)
    jobs = [
        (await client.post(JOBS, json=_job(cron_expression="0 9 * * *"), headers=owner.headers)).json()
        for _ in range(10)
    ]
    for _ in range(30):
        for job in jobs:
            assert (await client.post(f"{JOBS}/{job['id']}/run", headers=owner.headers)).status_code == 202
    with processes(served, tmp_path) as group:
        group.worker("worker")

        async def all_done() -> bool:
            inbox = await client.get("/api/v1/notifications", params={"limit": 1}, headers=owner.headers)
            return int(inbox.json()["total"]) == 300

        await eventually(all_done, "300 runs", 120, group)
    finished = []
    for job in jobs:
        finished += [instant(r["finished_at"]) for r in await runs_of(client, owner, job["id"])]
    finished.sort()
    span = (finished[-1] - finished[0]).total_seconds()
    rate = (len(finished) - 1) / span
    print(f"\nworker (one process): {len(finished)} runs finished in {span:.2f} s, {rate:.0f} runs/s")


def _job(**schedule: str) -> dict[str, Any]:
    return {"name": "stand up", "type": "notification", "payload": {"message": "stretch"}, **schedule}
