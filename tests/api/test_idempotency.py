"""Idempotency-Key on the POSTs that create something: a retry answers the first answer and creates nothing more,
another request with the key is 422, a failure leaves no key behind, and racing duplicates run once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from assistme.adapters.persistence.engine import make_engine
from assistme.config import Settings
from assistme.core.housekeeping.retention import PruneHistory
from assistme.core.identity.entities import Role
from tests.support.accounts import Account, key_headers, make_key, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.conversations import World, aside, configured, open_world
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.scheduling import Offline, RecordingQueue, hands

pytestmark = pytest.mark.usefixtures("app")
Client = AsyncTestClient[Litestar]
ASSISTANTS = "/api/v1/assistants"
SPEC = {"name": "Jeeves", "model": "llama3.1", "instructions": "Be brief."}
HOUR = 3600


def keyed(who: Account | dict[str, str], key: str) -> dict[str, str]:
    return {**(who.headers if isinstance(who, Account) else who), "Idempotency-Key": key}


async def total(client: Client, path: str, who: Account) -> int:
    response = await client.get(f"{path}?limit=100", headers=who.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


@pytest.fixture
async def offline(settings: Settings) -> AsyncIterator[Client]:
    """An app whose queued work stays queued, and whose webhooks may point at this machine."""
    allowing = msgspec.structs.replace(settings, webhooks_allow_private=True)
    async with running(allowing, Offline(RecordingQueue())) as client:
        yield client


Body = Callable[[Client, Account], Awaitable[dict[str, Any]]]


async def _assistant(client: Client, who: Account) -> dict[str, Any]:
    return SPEC


async def _job(client: Client, who: Account) -> dict[str, Any]:
    return {"name": "water", "type": "notification", "cron_expression": "0 9 * * *", "payload": {"message": "go"}}


async def _task(client: Client, who: Account) -> dict[str, Any]:
    assistant = await client.post(ASSISTANTS, json=SPEC, headers=who.headers)
    return {"title": "plan", "description": "Plan my week", "assistant_id": assistant.json()["id"]}


async def _conversation(client: Client, who: Account) -> dict[str, Any]:
    return {"title": "today"}


async def _webhook(client: Client, who: Account) -> dict[str, Any]:
    return {"url": "http://127.0.0.1:9/hooks", "events": ["webhook.test"]}


async def _tool(client: Client, who: Account) -> dict[str, Any]:
    return {"name": f"lookup-{uuid.uuid4().hex[:6]}", "tool_type": "time", "input_schema": {"type": "object"}}


async def _api_key(client: Client, who: Account) -> dict[str, Any]:
    return {"name": "telegram bot", "scopes": ["users:read"]}


COVERED: list[tuple[str, Body, Role]] = [
    (ASSISTANTS, _assistant, Role.USER),
    ("/api/v1/cron-jobs", _job, Role.USER),
    ("/api/v1/tasks", _task, Role.USER),
    ("/api/v1/conversations", _conversation, Role.USER),
    ("/api/v1/webhooks", _webhook, Role.USER),
    ("/api/v1/tools", _tool, Role.ADMIN),
    ("/api/v1/api-keys", _api_key, Role.ADMIN),
]


@pytest.mark.parametrize(("path", "body_of", "role"), COVERED, ids=[path for path, _, _ in COVERED])
async def test_the_same_key_and_body_answer_the_first_answer_and_create_nothing_more(
    offline: Client, path: str, body_of: Body, role: Role
) -> None:
    ann = await signup(offline, role=role)
    body = await body_of(offline, ann)
    before = await total(offline, path, ann)
    first = await offline.post(path, json=body, headers=keyed(ann, "retry-1"))
    assert first.is_success, first.text
    assert "idempotent-replayed" not in first.headers
    again = await offline.post(path, json=body, headers=keyed(ann, "retry-1"))
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers.get("cache-control") == first.headers.get("cache-control")  # no-store stays no-store
    assert await total(offline, path, ann) == before + 1
    unkeyed = await offline.post(path, json=await body_of(offline, ann), headers=ann.headers)
    assert unkeyed.is_success, unkeyed.text  # no key: a second one
    assert await total(offline, path, ann) == before + 2


async def test_the_same_object_spaced_or_ordered_otherwise_is_the_same_request(client: Client) -> None:
    ann = await signup(client)
    first = await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "k"))
    reordered = msgspec.json.encode(dict(reversed(SPEC.items()))).replace(b",", b", ")
    again = await client.post(
        ASSISTANTS, content=reordered, headers={**keyed(ann, "k"), "content-type": "application/json"}
    )
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])


async def test_the_same_key_with_another_body_is_422_naming_the_header(client: Client) -> None:
    ann = await signup(client)
    assert (await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "k"))).status_code == 201
    other = await client.post(ASSISTANTS, json={**SPEC, "name": "Alfred"}, headers=keyed(ann, "k"))
    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
    assert await total(client, ASSISTANTS, ann) == 1


async def test_keys_are_per_user_and_per_route(client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    mine = await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "shared"))
    theirs = await client.post(ASSISTANTS, json=SPEC, headers=keyed(bob, "shared"))
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers
    job = {"name": "water", "type": "notification", "cron_expression": "0 9 * * *", "payload": {"message": "go"}}
    elsewhere = await client.post("/api/v1/cron-jobs", json=job, headers=keyed(ann, "shared"))
    assert (elsewhere.status_code, "idempotent-replayed" in elsewhere.headers) == (201, False)


async def test_an_api_key_acting_as_a_user_uses_that_users_keys(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    ann, bob = await signup(client), await signup(client)
    bot = await make_key(client, root, "act_as")
    for_ann = await client.post(ASSISTANTS, json=SPEC, headers=keyed(key_headers(bot, ann.id), "bot-1"))
    for_bob = await client.post(ASSISTANTS, json=SPEC, headers=keyed(key_headers(bot, bob.id), "bot-1"))
    assert (for_ann.json()["owner_id"], for_bob.json()["owner_id"]) == (ann.id, bob.id)
    retried = await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "bot-1"))  # Ann retries it herself
    assert (retried.json()["id"], retried.headers["idempotent-replayed"]) == (for_ann.json()["id"], "true")


async def test_a_failed_request_leaves_no_key_behind(client: Client) -> None:
    ann = await signup(client)
    invalid = await client.post(ASSISTANTS, json={"name": ""}, headers=keyed(ann, "k"))
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.json()["errors"]] != ["Idempotency-Key"]
    bad_cron = {"name": "w", "type": "notification", "cron_expression": "61 * * * *", "payload": {"message": "go"}}
    refused = await client.post("/api/v1/cron-jobs", json=bad_cron, headers=keyed(ann, "k"))
    assert refused.status_code == 422  # the core refused it: released too
    corrected = await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "k"))
    assert (corrected.status_code, "idempotent-replayed" in corrected.headers) == (201, False)
    bad_cron["cron_expression"] = "0 9 * * *"
    job = await client.post("/api/v1/cron-jobs", json=bad_cron, headers=keyed(ann, "k"))
    assert (job.status_code, "idempotent-replayed" in job.headers) == (201, False)


@pytest.mark.parametrize(
    "key", [b"", b"x" * 256, "caf\u00e9".encode(), b"tab\there", b"\x7f"], ids=["empty", "256", "utf8", "tab", "del"]
)
async def test_a_key_that_is_not_1_to_255_printable_ascii_is_422_naming_the_header(client: Client, key: bytes) -> None:
    ann = await signup(client)
    refused = await client.post(ASSISTANTS, json=SPEC, headers={**ann.headers, "Idempotency-Key": key})  # type: ignore[dict-item]
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["Idempotency-Key"]
    assert await total(client, ASSISTANTS, ann) == 0


async def test_routes_without_the_option_ignore_the_header(offline: Client) -> None:
    ann = await signup(offline)
    hook = await offline.post("/api/v1/webhooks", json=await _webhook(offline, ann), headers=ann.headers)
    rotate = f"/api/v1/webhooks/{hook.json()['id']}/rotate-secret"
    first = await offline.post(rotate, headers=keyed(ann, "rotate-1"))
    again = await offline.post(rotate, headers=keyed(ann, "rotate-1"))
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["secret"] != again.json()["secret"]  # done twice: the route takes no key
    assert "idempotent-replayed" not in again.headers
    assert (await offline.post(rotate, headers=keyed(ann, "\x7f"))).status_code == 200  # not even read


async def test_a_replayed_webhook_shows_its_secret_again_but_it_is_stored_sealed(
    settings: Settings, offline: Client
) -> None:
    ann = await signup(offline)
    first = await offline.post("/api/v1/webhooks", json=await _webhook(offline, ann), headers=keyed(ann, "hook"))
    again = await offline.post("/api/v1/webhooks", json=await _webhook(offline, ann), headers=keyed(ann, "hook"))
    assert again.json()["secret"] == first.json()["secret"]  # the caller that lost the first answer needs it
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT response_body FROM idempotency_keys"))).scalars().all()
    finally:
        await engine.dispose()
    assert len(stored) == 1
    assert first.json()["secret"] not in stored[0]
    assert first.json()["id"] not in stored[0]


async def test_deleting_the_account_deletes_its_kept_answers(settings: Settings, client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    for who in (ann, bob):
        assert (await client.post(ASSISTANTS, json=SPEC, headers=keyed(who, "k"))).status_code == 201
    assert (await client.delete("/api/v1/users/me", headers=ann.headers)).status_code == 204
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            owners = (await conn.execute(text("SELECT principal FROM idempotency_keys"))).scalars().all()
    finally:
        await engine.dispose()
    assert owners == [f"user:{bob.id}"]


async def test_racing_duplicates_create_one_assistant(client: Client) -> None:
    ann = await signup(client)
    racing = [aside(client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "race"))) for _ in range(6)]
    answers = await asyncio.gather(*racing)
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert sum("idempotent-replayed" not in a.headers for a in answers if a.status_code == 201) == 1  # one ran
    assert all(a.headers["retry-after"] == "1" for a in answers if a.status_code == 409)
    assert await total(client, ASSISTANTS, ann) == 1


async def test_kept_keys_expire_after_the_retention_and_the_nightly_prune_removes_them(settings: Settings) -> None:
    clock, queue = MovableClock(), RecordingQueue()
    async with (
        running(settings, clock_provider(clock), Offline(queue)) as client,
        hands(settings, clock, queue) as worker,
    ):
        ann = await signup(client)
        kept = await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "old"))
        await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "forgotten"))
        clock.advance(settings.idempotency_retention_hours * HOUR - 60)
        assert (await worker.call(PruneHistory)).idempotency_keys == 0
        assert (await client.post(ASSISTANTS, json=SPEC, headers=keyed(ann, "old"))).json()["id"] == kept.json()["id"]
        clock.advance(120)
        fresh = await client.post(ASSISTANTS, json={**SPEC, "name": "New"}, headers=keyed(ann, "old"))
        assert (fresh.status_code, "idempotent-replayed" in fresh.headers) == (201, False)  # lapsed: a new request
        assert (await worker.call(PruneHistory)).idempotency_keys == 1  # "forgotten"; "old" was claimed again
        again = await client.post(ASSISTANTS, json={**SPEC, "name": "New"}, headers=keyed(ann, "old"))
        assert again.json()["id"] == fresh.json()["id"]
        assert await total(client, ASSISTANTS, ann) == 3


async def test_the_header_is_documented_on_the_covered_operations_only(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def key_header(path: str, method: str) -> list[dict[str, Any]]:
        return [p for p in paths[path][method].get("parameters", []) if p["name"] == "Idempotency-Key"]

    for path in [p for p, _, _ in COVERED] + ["/api/v1/conversations/{conversation_id}/messages"]:
        (header,) = key_header(path, "post")
        assert (header["in"], header["required"], header["schema"]["maxLength"]) == ("header", False, 255)
        assert {"409", "422"} <= set(paths[path]["post"]["responses"])
    assert key_header("/api/v1/webhooks/{webhook_id}/rotate-secret", "post") == []
    assert key_header(ASSISTANTS, "get") == []


@pytest.fixture
async def world(settings: Settings, llm: FakeLlm, google: FakeGoogle) -> AsyncIterator[World]:
    async for opened in open_world(configured(settings, llm, google), llm, google):
        yield opened


async def say(world: World, conversation: str, content: str, key: str) -> Any:
    path = f"/api/v1/conversations/{conversation}/messages"
    return await world.client.post(path, json={"content": content}, headers=keyed(world.ann, key))


IDLE_IN_TRANSACTION = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
)


async def test_a_message_retried_while_its_reply_runs_is_409_then_replayed(world: World, settings: Settings) -> None:
    conversation, elsewhere = await world.conversation(world.ann), await world.conversation(world.ann)
    world.llm.hang(1.0)
    world.llm.reply("Noted.")
    first = aside(say(world, conversation, "remember milk", "msg-1"))
    await world.llm.received(1)
    meanwhile = await say(world, conversation, "remember milk", "msg-1")
    assert meanwhile.status_code == 409, meanwhile.text
    assert meanwhile.headers["retry-after"] == "1"
    moved = await say(world, elsewhere, "remember milk", "msg-1")  # the same key on another conversation's path
    assert [e["field"] for e in moved.json()["errors"]] == ["Idempotency-Key"]
    if settings.database_url.startswith("postgresql"):
        engine = make_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                assert (await conn.execute(IDLE_IN_TRANSACTION)).scalar_one() == 0  # no claim holds a transaction
        finally:
            await engine.dispose()
    answered = await first
    assert answered.status_code == 201, answered.text
    replayed = await say(world, conversation, "remember milk", "msg-1")
    assert (replayed.json(), replayed.headers["idempotent-replayed"]) == (answered.json(), "true")
    assert len(world.llm.requests) == 1
    assert [m["content"] for m in await world.messages(world.ann, conversation)] == ["remember milk", "Noted."]


async def test_a_reply_that_failed_can_be_retried_with_its_key(world: World) -> None:
    conversation = await world.conversation(world.ann)
    world.llm.fail(500, "overloaded")
    world.llm.fail(500, "overloaded")  # and its one retry
    assert (await say(world, conversation, "hello", "msg-2")).status_code in {502, 503}
    world.llm.reply("Hi.")
    retried = await say(world, conversation, "hello", "msg-2")
    assert (retried.status_code, "idempotent-replayed" in retried.headers) == (201, False)
