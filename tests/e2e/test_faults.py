"""Faults, for real, on a PostgreSQL cluster and a redis-server of this module's own (free ports of 127.0.0.1, never
the machine's 5432 and 6379), with `assistme run`, `taskiq worker` and `taskiq scheduler` as the served setup runs
them: PostgreSQL restarted under load, Redis gone, SIGTERM while requests are in flight, a worker killed mid-task.

Each bound below (``BOUND``, the deadlines) is what a test waits before it gives up, not a measurement."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from assistme.config import Settings
from tests.support import services
from tests.support.fake_llm import FakeLlm
from tests.support.fake_receiver import FakeReceiver
from tests.support.private_services import PrivatePostgres, PrivateRedis, private_postgres, private_redis
from tests.support.processes import PASSWORD, Server, launched
from tests.support.workers import environment, eventually, processes

BOUND = 10.0  # seconds no request may take, outage or not: an outage answers 503 quickly, it never hangs
RECOVERY = 20.0  # seconds the app may take to serve again once its dependency is back (without a restart)
ASSISTANTS = "/api/v1/assistants"
PROBLEM = "application/problem+json"
REPLY_DELAY = 2.0  # seconds the fake model takes over a reply: the requests a SIGTERM finds in flight


@pytest.fixture(scope="module")
def pg() -> Iterator[PrivatePostgres]:
    with private_postgres() as cluster:
        services.migrate(cluster.url())
        yield cluster


@pytest.fixture(scope="module")
def redis_server() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


@pytest.fixture
def settings(pg: PrivatePostgres, redis_server: PrivateRedis, llm: FakeLlm, receiver: FakeReceiver) -> Settings:
    """The served setup on the private servers; rate limits on (they live in Redis) but far above the load here."""
    llm.reset()
    receiver.reset()
    return Settings(
        environment="test",
        database_url=pg.url(),
        redis_url=redis_server.url,
        redis_key_prefix=f"faults-{uuid.uuid4().hex[:8]}:",
        secret_key="faults-secret-" + "x" * 40,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        log_requests=False,
        rate_limit_default="100000/minute",
        rate_limit_auth="100000/minute",
        readiness_timeout=1.0,
        database_pool_timeout=3.0,
        llm_base_url=f"{llm.base_url}/v1",
        llm_api_key=llm.api_key,
        scheduler_poll_interval=0.2,
        scheduler_sweep_interval=0.5,
        webhooks_allow_private=True,  # the receiver is on 127.0.0.1
    )


@pytest.fixture
def api(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    with launched(environment(settings), tmp_path) as server:
        yield server
    assert "unhandled error" not in server.log.read_text(), server.log.read_text()[-3000:]


async def sign_up(http: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, Any]]:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    assert (await http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})).status_code == 201
    tokens = (await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}, {"email": email, **tokens}


async def new_assistant(http: httpx.AsyncClient, auth: dict[str, str]) -> str:
    body = {"name": "Doer", "model": "test-model", "instructions": "Do the work."}
    created = await http.post(ASSISTANTS, json=body, headers=auth)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def assert_unavailable(response: httpx.Response) -> None:
    """503 problem+json with Retry-After: a client backs off and keeps its tokens."""
    assert response.status_code == 503, (response.request.method, response.request.url.path, response.text)
    assert response.headers["content-type"].startswith(PROBLEM)
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["status"] == 503


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.1)


@dataclass
class Sample:
    method: str
    started: float  # time.monotonic() when it was sent
    status: int
    seconds: float
    problem: bool
    retry_after: str | None


@dataclass
class Load:
    """Clients looping on authenticated reads and writes until stopped; every answer is kept."""

    http: httpx.AsyncClient
    auth: dict[str, str]
    samples: list[Sample] = field(default_factory=list)

    async def _loop(self, method: str, stop: asyncio.Event) -> None:
        body = {"name": "under load", "model": "test-model", "instructions": "x"} if method == "POST" else None
        while not stop.is_set():
            started = time.monotonic()
            response = await self.http.request(method, ASSISTANTS, json=body, headers=self.auth)
            problem = response.headers.get("content-type", "").startswith(PROBLEM)
            seconds = time.monotonic() - started
            self.samples.append(
                Sample(method, started, response.status_code, seconds, problem, response.headers.get("retry-after"))
            )
            await asyncio.sleep(0.02)

    @contextlib.asynccontextmanager
    async def running(self, readers: int = 3, writers: int = 1) -> AsyncIterator[None]:
        stop = asyncio.Event()
        loops = [asyncio.create_task(self._loop("GET", stop)) for _ in range(readers)]
        loops += [asyncio.create_task(self._loop("POST", stop)) for _ in range(writers)]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*loops)  # a loop's transport error (a hang past the timeout) surfaces here

    def since(self, mark: int) -> list[Sample]:
        return self.samples[mark:]


async def test_postgres_restarted_under_load_answers_brief_503s_and_recovers_without_restarting_the_app(
    api: Server, pg: PrivatePostgres
) -> None:
    async with httpx.AsyncClient(base_url=api.base, timeout=BOUND * 2) as http:
        auth, _ = await sign_up(http)
        load = Load(http, auth)
        async with load.running():
            await until(lambda: _answered(load, 20), "the load to warm up", BOUND)
            warm = len(load.samples)
            await asyncio.to_thread(pg.stop)  # fast: sessions are terminated, in-flight queries fail
            down = len(load.samples)

            async def refused() -> bool:  # ten 503s, reads and writes among them
                refusals = [s for s in load.since(down) if s.status == 503]
                return len(refusals) >= 10 and {s.method for s in refusals} == {"GET", "POST"}

            await until(refused, "503s while PostgreSQL is down", BOUND)
            health = await http.get("/api/v1/health")
            ready = await http.get("/api/v1/ready")
            await asyncio.to_thread(pg.start)
            back = len(load.samples)

            async def serving_again() -> bool:
                statuses = {s.status for s in load.since(back)}
                return {200, 201} <= statuses

            await until(serving_again, "reads and writes to succeed again", RECOVERY)
            recovered, recovered_at = len(load.samples), time.monotonic()
            await until(lambda: _answered(load, recovered + 20), "more answers after the recovery", BOUND)

        async def ready_again() -> bool:
            return (await http.get("/api/v1/ready")).status_code == 200

        await until(ready_again, "readiness to turn green", RECOVERY)

    assert {s.status for s in load.samples[:warm]} <= {200, 201}
    assert {s.status for s in load.samples} <= {200, 201, 503}, "never a 500, whatever the database does"
    outage = [s for s in load.samples if s.status == 503]
    assert all(s.problem and s.retry_after and int(s.retry_after) > 0 for s in outage)
    assert max(s.seconds for s in load.samples) < BOUND
    after = {s.status for s in load.samples if s.started > recovered_at}
    assert after <= {200, 201}, "once back, nothing fails any more"
    assert (health.status_code, health.json()) == (200, {"status": "ok"}), "liveness never depends on PostgreSQL"
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] in {"failed", "timeout"}
    assert ready.json()["checks"]["broker"] == "ok"
    slowest = max(s.seconds for s in outage)
    print(f"\npostgres restart: {len(outage)} answers 503 of {len(load.samples)}, slowest 503 {slowest:.3f} s")


async def _answered(load: Load, count: int) -> bool:
    return len(load.samples) >= count


async def test_redis_down_makes_readiness_red_and_authenticated_requests_503_not_401(
    api: Server, redis_server: PrivateRedis
) -> None:
    async with httpx.AsyncClient(base_url=api.base, timeout=BOUND * 2) as http:
        auth, tokens = await sign_up(http)
        assert (await http.get(ASSISTANTS, headers=auth)).status_code == 200
        redis_server.stop()
        try:
            ready = await http.get("/api/v1/ready")
            health = await http.get("/api/v1/health")
            started = time.monotonic()
            refused = [
                await http.get(ASSISTANTS, headers=auth),
                await http.get("/api/v1/users/me", headers=auth),
                await http.post(ASSISTANTS, json={"name": "x", "model": "m", "instructions": "x"}, headers=auth),
                await http.post("/api/v1/auth/login", json={"email": tokens["email"], "password": PASSWORD}),
                await http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
            ]
            took = time.monotonic() - started
        finally:
            redis_server.start()  # empty: nothing was persisted, so no session was revoked either

        async def served_again() -> bool:
            return (await http.get(ASSISTANTS, headers=auth)).status_code == 200

        await until(served_again, "authenticated requests to succeed again", RECOVERY)
        login = await http.post("/api/v1/auth/login", json={"email": tokens["email"], "password": PASSWORD})
        ready_again = await http.get("/api/v1/ready")

    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "failed"}}
    assert health.status_code == 200
    for response in refused:
        assert_unavailable(response)
    assert took < BOUND
    assert login.status_code == 200
    assert ready_again.status_code == 200


async def test_sigterm_lets_the_requests_in_flight_finish_and_the_process_exit_cleanly(
    settings: Settings, llm: FakeLlm, tmp_path: Path
) -> None:
    with launched(environment(settings), tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=BOUND * 2) as http:
            auth, _ = await sign_up(http)
            assistant = await new_assistant(http, auth)
            conversations = []
            for _ in range(3):  # one reply at a time per conversation: three conversations, three replies at once
                created = await http.post("/api/v1/conversations", json={"assistant_id": assistant}, headers=auth)
                assert created.status_code == 201, created.text
                conversations.append(created.json()["id"])
            for number in range(3):
                llm.hang(REPLY_DELAY)
                llm.reply(f"answer {number}")
            sent = [
                asyncio.create_task(
                    http.post(f"/api/v1/conversations/{c}/messages", json={"content": "hello"}, headers=auth)
                )
                for c in conversations
            ]
            await llm.received(3)
            server.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            await until(lambda: _refuses(server.base), "the server to stop accepting connections", BOUND)
            still_in_flight = sum(not task.done() for task in sent)
            replies = await asyncio.gather(*sent)
            finished = time.monotonic() - signalled
        await asyncio.to_thread(server.process.wait, BOUND)
    log = server.log.read_text()

    assert still_in_flight == 3, "the replies were still being written when the server stopped listening"
    assert [r.status_code for r in replies] == [201, 201, 201], [r.text for r in replies]
    assert sorted(r.json()["reply"]["content"] for r in replies) == ["answer 0", "answer 1", "answer 2"]
    assert finished < REPLY_DELAY + BOUND
    assert "Traceback" not in log
    assert "unhandled error" not in log


async def _refuses(base: str) -> bool:
    """A new connection is refused (an open keep-alive one would not tell)."""
    try:
        async with httpx.AsyncClient(base_url=base, timeout=1) as fresh:
            await fresh.get("/api/v1/health")
    except httpx.ConnectError:
        return True
    return False


async def test_a_worker_killed_mid_task_leaves_it_to_the_sweeper_and_the_task_completes_once(
    api: Server, settings: Settings, llm: FakeLlm, receiver: FakeReceiver, tmp_path: Path
) -> None:
    """tests/e2e/test_scheduling.py kills a worker inside a scheduled run; this kills one inside an agent task's
    model call. A task's lease is 300 s (it outlasts a model call with its retries): the test lets it run out by
    moving ``lease_until`` into the past, and checks first that nothing moves while it still holds."""
    async with httpx.AsyncClient(base_url=api.base, timeout=BOUND * 2) as http:
        auth, _ = await sign_up(http)
        hook = {"url": f"{receiver.base_url}/hooks", "events": ["task.completed"]}
        created = await http.post("/api/v1/webhooks", json=hook, headers=auth)
        assert created.status_code == 201, created.text
        hook_id = created.json()["id"]
        doer = await new_assistant(http, auth)
        llm.hang(60)  # the first attempt waits on the model until its worker dies
        llm.reply("the answer nobody was left to read")
        llm.reply("Report: a quiet week.")

        async def task() -> dict[str, Any]:
            return dict((await http.get(f"/api/v1/tasks/{task_id}", headers=auth)).json())

        (tmp_path / "processes").mkdir()
        with processes(settings, tmp_path / "processes") as group:
            group.scheduler("scheduler")
            group.worker("doomed")
            body = {"title": "Report", "description": "Summarise my week.", "assistant_id": doer}
            accepted = await http.post("/api/v1/tasks", json=body, headers=auth)
            assert accepted.status_code == 202, accepted.text
            task_id = accepted.json()["id"]

            async def inside_the_model_call() -> bool:
                return len(llm.requests) >= 1

            await eventually(inside_the_model_call, "the first worker calling the model", 30, group)
            group.kill("doomed")  # SIGKILL, the whole process group: no cleanup, no acknowledgement
            killed = await task()
            group.worker("successor")
            await asyncio.sleep(3)  # six sweeps and the successor's start: the live lease keeps the task where it is
            held, calls_while_held = await task(), len(llm.requests)
            await _expire_lease(settings.database_url, task_id)

            async def completed() -> bool:
                return (await task())["status"] == "completed"

            await eventually(completed, "the swept task completed by the successor", 30, group)

            async def delivered() -> bool:
                return len(receiver.received) >= 1

            await eventually(delivered, "the task.completed webhook", 30, group)
            await asyncio.sleep(2)  # a second run or a second delivery would land now
            done = await task()
            deliveries = (await http.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=auth)).json()

    assert (killed["status"], killed["attempts"]) == ("processing", 1)
    assert (held["status"], held["attempts"], calls_while_held) == ("processing", 1, 1)
    assert (done["status"], done["result"], done["attempts"]) == ("completed", "Report: a quiet week.", 2)
    prompts = [[m["content"] for m in r["messages"] if m["role"] == "user"] for r in llm.requests]
    assert prompts == [["Report\n\nSummarise my week."]] * 2, "one model call per attempt, the same prompt"
    assert deliveries["total"] == 1
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["task.completed"]


async def _expire_lease(url: str, task_id: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        expired = await conn.execute(
            "UPDATE agent_tasks SET lease_until = now() - interval '1 second' WHERE id = $1 AND status = 'processing'",
            uuid.UUID(task_id),
        )
    finally:
        await conn.close()
    assert expired == "UPDATE 1"
