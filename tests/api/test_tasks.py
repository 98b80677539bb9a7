"""Agent tasks: queued by the API or by a `schedule` job, run by a worker against a fake model server, each once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.conversations.policy import AgentPolicy
from assistme.core.conversations.ports import TaskRepository
from assistme.core.conversations.task_runner import CRASHED
from assistme.core.identity.entities import Role
from assistme.core.integrations.ports import Providers
from assistme.core.shared.errors import StoreUnavailable
from assistme.core.shared.uow import UnitOfWork
from tests.support.accounts import Account, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.fake_llm import FakeLlm
from tests.support.scheduling import Hands, Offline, RecordingQueue, hands
from tests.support.webhooks import emitted, subscribe

Client = AsyncTestClient[Litestar]
TASKS = "/api/v1/tasks"

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class World:
    client: Client
    hands: Hands
    llm: FakeLlm
    tools: dict[str, str]

    async def assistant(self, who: Account, *tools: str, secretary: bool = False) -> str:
        body = {"name": "Doer", "model": "test-model", "instructions": "Do the work.", "is_secretary": secretary}
        body["tool_ids"] = [self.tools[name] for name in tools]
        response = await self.client.post("/api/v1/assistants", json=body, headers=who.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def submit(self, who: Account, assistant_id: str | None, **extra: Any) -> Any:
        body = {"title": "Weekly report", "description": "Summarise my week.", **extra}
        if assistant_id is not None:
            body["assistant_id"] = assistant_id
        return await self.client.post(TASKS, json=body, headers=who.headers)

    async def task(self, who: Account, task_id: str) -> dict[str, Any]:
        response = await self.client.get(f"{TASKS}/{task_id}", headers=who.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def died_holding(self, task_id: str) -> None:
        """What a worker killed mid-task leaves: the task claimed, under a lease nobody renews."""
        async with self.hands.container() as scope:
            tasks, uow, policy = (
                await scope.get(TaskRepository),
                await scope.get(UnitOfWork),
                await scope.get(AgentPolicy),
            )
            now = self.hands.clock.now()
            assert await tasks.claim(UUID(task_id), now, now + timedelta(seconds=policy.task_lease)) is not None
            await uow.commit()


def with_model(settings: Settings, llm: FakeLlm, **more: object) -> Settings:
    return msgspec.structs.replace(
        settings, llm_base_url=f"{llm.base_url}/v1", llm_api_key=llm.api_key, llm_retries=0, **more
    )


async def open_world(settings: Settings, llm: FakeLlm, *worker: Provider) -> AsyncIterator[World]:
    """``worker``: providers that change what the worker's steps are given."""
    llm.reset()
    clock, queue = MovableClock(), RecordingQueue()
    async with (
        running(settings, clock_provider(clock), Offline(queue)) as client,
        hands(settings, clock, queue, *worker) as h,
    ):
        root = await signup(client, role=Role.ADMIN)
        listed = (await client.get("/api/v1/tools?limit=100", headers=root.headers)).json()["items"]
        yield World(client, h, llm, {tool["name"]: tool["id"] for tool in listed})


@pytest.fixture
async def world(settings: Settings, llm: FakeLlm) -> AsyncIterator[World]:
    async for opened in open_world(with_model(settings, llm), llm):
        yield opened


async def test_a_task_is_accepted_pending_and_a_worker_completes_it(world: World) -> None:
    ann = await signup(world.client)
    assistant = await world.assistant(ann)
    hook = await subscribe(world.client, ann, "task.completed", "task.failed")
    accepted = await world.submit(ann, assistant)
    assert accepted.status_code == 202, accepted.text
    task = accepted.json()
    assert (task["status"], task["result"], task["assistant_id"], task["attempts"]) == ("pending", None, assistant, 0)
    assert world.llm.requests == []  # nothing ran on the request path
    world.llm.reply("You had four meetings and shipped the release.")
    assert await world.hands.run_tasks() == ["completed"]
    done = await world.task(ann, task["id"])
    assert (done["status"], done["result"], done["error"]) == (
        "completed",
        "You had four meetings and shipped the release.",
        None,
    )
    assert done["started_at"] is not None
    assert done["finished_at"] is not None
    assert [(m["role"], m["content"]) for m in world.llm.requests[-1]["messages"]] == [
        ("system", "Do the work."),
        ("user", "Weekly report\n\nSummarise my week."),
    ]
    assert await emitted(world.client, ann, hook) == ["task.completed"]


async def test_a_redelivered_message_does_not_run_the_task_twice(world: World) -> None:
    ann = await signup(world.client)
    task = (await world.submit(ann, await world.assistant(ann))).json()
    world.hands.queue.tasks.append(UUID(task["id"]))  # the broker hands the same message out again
    world.llm.reply("Done once.")
    assert await world.hands.run_tasks() == ["completed", None]
    assert len(world.llm.requests) == 1
    assert (await world.task(ann, task["id"]))["attempts"] == 1


async def test_a_task_whose_worker_died_is_handed_to_another_and_completes_once(world: World) -> None:
    ann = await signup(world.client)
    task = (await world.submit(ann, await world.assistant(ann))).json()
    world.hands.queue.tasks.clear()
    await world.died_holding(task["id"])
    assert (await world.task(ann, task["id"]))["status"] == "processing"
    assert await world.hands.sweep_tasks() == 0  # its lease still runs
    world.hands.clock.advance(301)
    assert await world.hands.sweep_tasks() == 1
    assert (await world.task(ann, task["id"]))["status"] == "pending"
    world.llm.reply("Finished by the second worker.")
    assert await world.hands.run_tasks() == ["completed"]
    done = await world.task(ann, task["id"])
    assert (done["status"], done["attempts"], done["result"]) == ("completed", 2, "Finished by the second worker.")
    assert await world.hands.sweep_tasks() == 0


async def test_a_task_that_keeps_killing_its_workers_fails_after_the_attempt_limit(world: World) -> None:
    ann = await signup(world.client)
    task = (await world.submit(ann, await world.assistant(ann))).json()
    world.hands.queue.tasks.clear()
    for _ in range(3):
        await world.died_holding(task["id"])
        world.hands.clock.advance(301)
        assert await world.hands.sweep_tasks() == 1
    assert await world.hands.run_tasks() == ["failed", None, None]  # each sweep queued it once more
    failed = await world.task(ann, task["id"])
    assert (failed["status"], failed["error"]) == ("failed", "the worker stopped during each of 3 attempts")
    assert world.llm.requests == []


async def test_a_failing_model_fails_the_task_with_the_reason(world: World) -> None:
    ann = await signup(world.client)
    hook = await subscribe(world.client, ann, "task.completed", "task.failed")
    task = (await world.submit(ann, await world.assistant(ann))).json()
    world.llm.fail(500)
    assert await world.hands.run_tasks() == ["failed"]
    assert await emitted(world.client, ann, hook) == ["task.failed"]
    failed = await world.task(ann, task["id"])
    assert failed["status"] == "failed"
    assert "language model" in failed["error"]
    assert failed["result"] is None


async def test_without_a_model_server_tasks_fail_clearly(settings: Settings, llm: FakeLlm) -> None:
    async for world in open_world(settings, llm):
        ann = await signup(world.client)
        task = (await world.submit(ann, await world.assistant(ann))).json()
        assert await world.hands.run_tasks() == ["failed"]
        failed = await world.task(ann, task["id"])
        assert failed["error"] == "no language model configured for llm assistants"


async def test_tool_calls_are_kept_with_secrets_masked_and_writes_are_refused(world: World) -> None:
    ann = await signup(world.client)
    task = (await world.submit(ann, await world.assistant(ann, "time", "gmail"))).json()
    world.llm.call_tool("time", {"timezone": "Europe/Berlin"})
    send = {"action": "send_email", "params": {"to": "boss@example.com", "subject": "Hi", "body": "x"}}
    world.llm.call_tool("gmail", {**send, "password": "hunter2"})
    world.llm.call_tool("gmail", send)
    world.llm.reply("I checked the time; sending mail needs you.")
    assert await world.hands.run_tasks() == ["completed"]
    done = await world.task(ann, task["id"])
    time_call, masked, send_call = done["tool_calls"]
    assert (time_call["name"], time_call["output"]["timezone"]) == ("time", "Europe/Berlin")
    assert masked["arguments"]["password"] == "***"
    assert "hunter2" not in json.dumps(done)
    assert send_call["output"] == {
        "error": "send_email changes the user's data and needs their confirmation in a conversation"
    }


async def test_a_reminder_at_a_lower_case_rfc_3339_time_is_set_by_a_task(world: World) -> None:
    ann = await signup(world.client)
    task = (await world.submit(ann, await world.assistant(ann, "reminder"))).json()
    at = (world.hands.clock.now() + timedelta(days=1)).replace(microsecond=0)
    world.llm.call_tool("reminder", {"message": "water the plants", "run_at": at.strftime("%Y-%m-%dt%H:%M:%Sz")})
    world.llm.reply("Done.")
    assert await world.hands.run_tasks() == ["completed"]
    [call] = (await world.task(ann, task["id"]))["tool_calls"]
    assert call["output"]["run_at"] == at.isoformat()


class BrokenProviders:
    """A bug in a tool's machinery: what no rule foresaw."""

    def get(self, name: str) -> Any:
        raise RuntimeError("a bug")


class Broken(Provider):
    @provide(scope=Scope.APP)
    def providers(self) -> Providers:
        return BrokenProviders()  # type: ignore[return-value]


async def test_a_task_that_hits_an_unexpected_error_fails_once(settings: Settings, llm: FakeLlm) -> None:
    async for world in open_world(with_model(settings, llm), llm, Broken()):
        ann = await signup(world.client)
        task = (await world.submit(ann, await world.assistant(ann, "calendar"))).json()
        world.llm.call_tool("calendar", {"action": "list_events"})
        assert await world.hands.run_tasks() == ["failed"]
        failed = await world.task(ann, task["id"])
        assert (failed["status"], failed["error"], failed["attempts"]) == ("failed", CRASHED, 1)
        world.hands.clock.advance(301)
        assert await world.hands.sweep_tasks() == 0  # not handed to another worker to crash again
        assert len(world.llm.requests) == 1


class LostDatabase:
    """The database going away under the first tool call: from then on nothing can be recorded."""

    def __init__(self) -> None:
        self.gone = True

    def get(self, name: str) -> Any:
        if self.gone:
            self.gone = False
            raise StoreUnavailable("the database is unreachable")
        raise AssertionError("the retry asks the model again before any tool")


class Outage(Provider):
    @provide(scope=Scope.APP)
    def providers(self) -> Providers:
        return LostDatabase()  # type: ignore[return-value]


async def test_a_task_that_loses_the_database_is_tried_again_not_failed(settings: Settings, llm: FakeLlm) -> None:
    async for world in open_world(with_model(settings, llm), llm, Outage()):
        ann = await signup(world.client)
        task = (await world.submit(ann, await world.assistant(ann, "calendar"))).json()
        world.llm.call_tool("calendar", {"action": "list_events"})
        with pytest.raises(StoreUnavailable):  # the worker's message fails; the task keeps its lease
            await world.hands.run_tasks()
        assert (await world.task(ann, task["id"]))["status"] == "processing"
        world.hands.clock.advance(301)
        assert await world.hands.sweep_tasks() == 1
        world.llm.reply("Nothing today.")
        assert await world.hands.run_tasks() == ["completed"]
        done = await world.task(ann, task["id"])
        assert (done["status"], done["attempts"], done["result"]) == ("completed", 2, "Nothing today.")


async def test_a_long_sub_assistant_keeps_the_task_from_running_twice(world: World) -> None:
    ann = await signup(world.client)
    helper = await world.assistant(ann, "time")
    task = (await world.submit(ann, await world.assistant(ann, "sub_assistant"))).json()
    world.llm.call_tool("sub_assistant", {"assistant_id": helper, "question": "What time is it?"})
    world.llm.call_tool("time", {})  # the helper's first call...
    world.llm.reply("Nine.")  # ...and its second, each slow
    world.llm.reply("It is nine.")
    for seconds in (0.0, 0.5, 0.5):
        world.llm.hang(seconds)
    running_task = asyncio.ensure_future(world.hands.run_tasks())
    for calls in (2, 3):  # four minutes pass during each of the helper's model calls
        await world.llm.received(calls)
        world.hands.clock.advance(240)
    assert await world.hands.sweep_tasks() == 0  # the lease was extended before the helper's calls
    assert await running_task == ["completed"]
    done = await world.task(ann, task["id"])
    assert (done["status"], done["attempts"], done["result"]) == ("completed", 1, "It is nine.")


async def test_tasks_belong_to_their_owner(world: World) -> None:
    ann, bob = await signup(world.client), await signup(world.client)
    task = (await world.submit(ann, await world.assistant(ann))).json()
    await world.submit(bob, await world.assistant(bob))
    assert (await world.client.get(f"{TASKS}/{task['id']}", headers=bob.headers)).status_code == 404
    assert (await world.client.get(f"{TASKS}/not-an-id", headers=ann.headers)).status_code == 404
    listed = (await world.client.get(TASKS, headers=bob.headers)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] != task["id"]
    other = await world.submit(bob, await world.assistant(ann))  # Ann's assistant is not Bob's to use
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "assistant_id"


async def test_the_list_is_newest_first_filtered_by_status_and_paged(world: World) -> None:
    ann = await signup(world.client)
    assistant = await world.assistant(ann)
    first = (await world.submit(ann, assistant, title="first")).json()
    await world.hands.run_tasks()
    second = (await world.submit(ann, assistant, title="second")).json()
    listed = (await world.client.get(TASKS, headers=ann.headers)).json()
    assert [t["id"] for t in listed["items"]] == [second["id"], first["id"]]
    pending = (await world.client.get(f"{TASKS}?status=pending", headers=ann.headers)).json()
    assert [t["id"] for t in pending["items"]] == [second["id"]]
    assert (await world.client.get(f"{TASKS}?status=sleeping", headers=ann.headers)).status_code in (400, 422)
    assert (await world.client.get(f"{TASKS}?limit=1000", headers=ann.headers)).status_code in (400, 422)


async def test_bad_tasks_are_refused_and_nothing_is_queued(world: World) -> None:
    ann = await signup(world.client)
    assistant = await world.assistant(ann)
    for extra in (
        {"title": ""},
        {"title": "x" * 201},
        {"description": "x" * 32_001},
        {"status": "completed"},  # the worker decides that
        {"result": "forged"},
    ):
        refused = await world.submit(ann, assistant, **extra)
        assert refused.status_code == 422, extra
    no_secretary = await world.submit(ann, None)
    assert no_secretary.status_code == 409
    assert "secretary" in no_secretary.json()["detail"]
    assert world.hands.queue.tasks == []
    assert (await world.client.get(TASKS, headers=ann.headers)).json()["total"] == 0


async def test_without_an_assistant_the_secretary_takes_the_task(world: World) -> None:
    ann = await signup(world.client)
    secretary = await world.assistant(ann, secretary=True)
    linked = await world.client.post("/api/v1/secretaries", json={"assistant_id": secretary}, headers=ann.headers)
    assert linked.status_code == 201, linked.text
    accepted = await world.submit(ann, None)
    assert accepted.status_code == 202
    assert accepted.json()["assistant_id"] == secretary


async def test_tasks_are_rate_limited_per_person(settings: Settings, llm: FakeLlm) -> None:
    async for world in open_world(with_model(settings, llm, task_rate_limit="2/minute"), llm):
        ann, bob = await signup(world.client), await signup(world.client)
        assistant = await world.assistant(ann)
        assert [(await world.submit(ann, assistant)).status_code for _ in range(3)] == [202, 202, 429]
        assert (await world.submit(bob, await world.assistant(bob))).status_code == 202


async def test_a_schedule_job_queues_a_task_whose_answer_reaches_the_inbox(world: World) -> None:
    ann = await signup(world.client)
    assistant = await world.assistant(ann)
    body = {
        "name": "Morning plan",
        "type": "schedule",
        "cron_expression": "0 7 * * *",
        "payload": {"prompt": "Plan my day.", "assistant_id": assistant},
    }
    job = (await world.client.post("/api/v1/cron-jobs", json=body, headers=ann.headers)).json()
    await world.client.post(f"/api/v1/cron-jobs/{job['id']}/run", headers=ann.headers)
    run_id = world.hands.queue.executions[0]
    world.hands.queue.executions.append(run_id)  # the run's message delivered twice: still one task
    assert await world.hands.work() == ["succeeded", None]
    world.llm.reply("Gym at 8, standup at 10.")
    assert await world.hands.run_tasks() == ["completed"]
    tasks = (await world.client.get(TASKS, headers=ann.headers)).json()["items"]
    assert [(t["title"], t["description"], t["job_id"], t["result"]) for t in tasks] == [
        ("Morning plan", "Plan my day.", job["id"], "Gym at 8, standup at 10.")
    ]
    inbox = (await world.client.get("/api/v1/notifications", headers=ann.headers)).json()["items"]
    assert [(n["title"], n["body"]) for n in inbox] == [("Morning plan", "Gym at 8, standup at 10.")]


async def test_a_schedule_job_without_an_assistant_fails_its_run_clearly(world: World) -> None:
    ann = await signup(world.client)
    body = {"name": "Plan", "type": "schedule", "cron_expression": "0 7 * * *", "payload": {"prompt": "Plan."}}
    job = (await world.client.post("/api/v1/cron-jobs", json=body, headers=ann.headers)).json()
    await world.client.post(f"/api/v1/cron-jobs/{job['id']}/run", headers=ann.headers)
    assert await world.hands.work() == ["failed"]
    run = (await world.client.get(f"/api/v1/cron-jobs/{job['id']}/runs", headers=ann.headers)).json()["items"][0]
    assert "secretary" in run["error"]
    assert world.hands.queue.tasks == []
