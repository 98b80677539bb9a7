"""Agent tasks on the served processes for real: the API queues through Redis, `taskiq worker` runs the agent
against a fake model server, and `taskiq scheduler` turns a `schedule` job into a task whose answer reaches the
inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from tests.support.accounts import Account, signup
from tests.support.apps import running
from tests.support.fake_llm import FakeLlm
from tests.support.workers import eventually, processes

Client = AsyncTestClient[Litestar]

pytestmark = [
    pytest.mark.parametrize("base_settings", ["postgres"], indirect=True),
    pytest.mark.usefixtures("app"),
]


@pytest.fixture
def served(settings: Settings, llm: FakeLlm) -> Settings:
    llm.reset()
    return msgspec.structs.replace(
        settings,
        llm_base_url=f"{llm.base_url}/v1",
        llm_api_key=llm.api_key,
        scheduler_poll_interval=0.2,
        scheduler_sweep_interval=1.0,
        rate_limit_enabled=False,  # the test polls far faster than a person would
    )


@pytest.fixture
async def client(served: Settings) -> AsyncIterator[Client]:
    async with running(served) as client:
        yield client


async def assistant(client: Client, owner: Account) -> str:
    body = {"name": "Doer", "model": "test-model", "instructions": "Do the work."}
    return str((await client.post("/api/v1/assistants", json=body, headers=owner.headers)).json()["id"])


async def tasks_of(client: Client, owner: Account) -> list[dict[str, Any]]:
    return list((await client.get("/api/v1/tasks", headers=owner.headers)).json()["items"])


async def test_a_worker_completes_submitted_and_scheduled_tasks_once(
    client: Client, served: Settings, llm: FakeLlm, tmp_path: Path
) -> None:
    owner = await signup(client)
    doer = await assistant(client, owner)
    llm.reply("Report: a quiet week.")
    body = {"title": "Report", "description": "Summarise my week.", "assistant_id": doer}
    accepted = await client.post("/api/v1/tasks", json=body, headers=owner.headers)
    assert accepted.status_code == 202, accepted.text
    job = {"name": "Plan", "type": "schedule", "cron_expression": "0 7 * * *", "payload": {"prompt": "Plan my day."}}
    job["payload"]["assistant_id"] = doer

    with processes(served, tmp_path) as group:
        group.worker("worker")
        group.scheduler("scheduler")

        async def submitted_done() -> bool:
            return [t["status"] for t in await tasks_of(client, owner)] == ["completed"]

        await eventually(submitted_done, "the submitted task completed", 60, group)
        llm.reply("Plan: gym, then the standup.")
        created = (await client.post("/api/v1/cron-jobs", json=job, headers=owner.headers)).json()
        assert (await client.post(f"/api/v1/cron-jobs/{created['id']}/run", headers=owner.headers)).status_code == 202

        async def scheduled_done() -> bool:
            inbox = (await client.get("/api/v1/notifications", headers=owner.headers)).json()
            return int(inbox["total"]) == 1

        await eventually(scheduled_done, "the scheduled task's answer in the inbox", 60, group)

    tasks = await tasks_of(client, owner)
    assert [(t["title"], t["status"], t["result"], t["attempts"]) for t in tasks] == [
        ("Plan", "completed", "Plan: gym, then the standup.", 1),
        ("Report", "completed", "Report: a quiet week.", 1),
    ]
    assert len(llm.requests) == 2  # one model call per task: nothing ran twice
    inbox = (await client.get("/api/v1/notifications", headers=owner.headers)).json()["items"]
    assert [(n["title"], n["body"]) for n in inbox] == [("Plan", "Plan: gym, then the standup.")]
