"""Conversations with an assistant that runs on a fake OpenAI-compatible server: history, tools, pending writes,
failures and limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from assistme.config import Settings
from tests.support.accounts import signup
from tests.support.apps import running
from tests.support.conversations import World, configured, open_world
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.scheduling import Offline, RecordingQueue
from tests.support.webhooks import emitted, subscribe

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
async def world(settings: Settings, llm: FakeLlm, google: FakeGoogle) -> AsyncIterator[World]:
    async for opened in open_world(configured(settings, llm, google), llm, google):
        yield opened


async def test_a_reply_is_stored_with_the_message_and_sees_the_conversation_so_far(world: World) -> None:
    hook = await subscribe(world.client, world.ann, "conversation.message.created")
    conversation = await world.conversation(world.ann)
    world.llm.reply("Hello Ann.")
    first = await world.say(world.ann, conversation, "Hi")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["user_message"]["content"], body["reply"]["content"]) == ("Hi", "Hello Ann.")
    world.llm.reply("You said hi.")
    await world.say(world.ann, conversation, "What did I say?")
    sent = world.llm.requests[-1]
    assert sent["model"] == "test-model"
    assert [(m["role"], m["content"]) for m in sent["messages"]] == [
        ("system", "You are Ann's secretary."),
        ("user", "Hi"),
        ("assistant", "Hello Ann."),
        ("user", "What did I say?"),
    ]
    shown = (await world.client.get(f"/api/v1/conversations/{conversation}", headers=world.ann.headers)).json()
    assert [m["content"] for m in shown["messages"]] == ["Hi", "Hello Ann.", "What did I say?", "You said hi."]
    assert await emitted(world.client, world.ann, hook) == ["conversation.message.created"] * 4


async def test_tool_calls_are_run_stored_and_fed_back(world: World) -> None:
    conversation = await world.conversation(world.ann, "time", "reminder")
    run_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()
    world.llm.call_tool("reminder", {"message": "call mum", "run_at": run_at, "api_token": "s3cret"})
    world.llm.reply("I will remind you.")
    answer = await world.say(world.ann, conversation, "Remind me to call mum tomorrow")
    assert answer.status_code == 201, answer.text
    roles = [m["role"] for m in answer.json()["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]
    call, result = answer.json()["messages"][1], answer.json()["messages"][2]
    assert call["tool_calls"][0]["name"] == "reminder"
    assert call["tool_calls"][0]["arguments"]["api_token"] == "***"  # stored, but not the secret
    assert "error" in json.loads(result["content"])  # api_token is not a reminder argument: refused by the schema
    assert "s3cret" not in json.dumps(await world.messages(world.ann, conversation))
    world.llm.call_tool("reminder", {"message": "call mum", "run_at": run_at})
    world.llm.reply("Done.")
    await world.say(world.ann, conversation, "Again, properly")
    fed_back = world.llm.requests[-1]["messages"][-1]
    assert fed_back["role"] == "tool"
    assert json.loads(fed_back["content"])["message"] == "call mum"
    jobs = (await world.client.get("/api/v1/cron-jobs", headers=world.ann.headers)).json()["items"]
    assert [(j["payload"]["message"], j["type"]) for j in jobs] == [("call mum", "notification")]


async def test_malformed_arguments_and_unknown_tools_become_errors_the_model_reads(world: World) -> None:
    conversation = await world.conversation(world.ann, "time")
    world.llm.call_tool("time", "{not json")
    world.llm.call_tool("format_disk", {})
    world.llm.reply("Sorry.")
    answer = await world.say(world.ann, conversation, "time?")
    assert answer.status_code == 201
    errors = [json.loads(m["content"])["error"] for m in answer.json()["messages"] if m["role"] == "tool"]
    assert errors == ["the arguments are not valid JSON", "there is no tool named 'format_disk'; the tools are: time"]


async def test_a_model_that_never_stops_calling_tools_is_stopped(world: World) -> None:
    conversation = await world.conversation(world.ann, "time")
    world.llm.loop_tool = "time"
    answer = await world.say(world.ann, conversation, "loop")
    assert answer.status_code == 201
    assert "limit of 8 steps" in answer.json()["reply"]["content"]
    assert len(world.llm.requests) == 8


async def test_a_calendar_write_waits_for_the_persons_confirmation(world: World) -> None:
    await world.calendar(world.ann)
    conversation = await world.conversation(world.ann, "calendar")
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    params = {"title": "Dentist", "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    world.llm.call_tool("calendar", {"action": "create_event", "params": params})
    world.llm.reply("I prepared the event; please confirm.")
    answer = await world.say(world.ann, conversation, "Book the dentist")
    [action_id] = answer.json()["pending_action_ids"]
    assert world.google.events == {}  # nothing written yet
    base = f"/api/v1/conversations/{conversation}/actions/{action_id}"
    assert (await world.client.post(f"{base}/confirm", headers=world.bob.headers)).status_code == 404
    confirmed = await world.client.post(f"{base}/confirm", headers=world.ann.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert [e["summary"] for e in world.google.events.values()] == ["Dentist"]
    assert (await world.client.post(f"{base}/confirm", headers=world.ann.headers)).status_code == 409
    assert (await world.client.post(f"{base}/reject", headers=world.ann.headers)).status_code == 409
    assert len(world.google.events) == 1


async def test_a_rejected_write_never_runs(world: World) -> None:
    conversation = await world.conversation(world.ann, "gmail")
    params = {"to": ["boss@example.com"], "subject": "I quit", "body": "(an email told me to say this)"}
    world.llm.call_tool("gmail", {"action": "send_email", "params": params})
    world.llm.reply("Drafted; confirm to send.")
    [action_id] = (await world.say(world.ann, conversation, "read my mail")).json()["pending_action_ids"]
    base = f"/api/v1/conversations/{conversation}/actions/{action_id}"
    assert (await world.client.post(f"{base}/reject", headers=world.bob.headers)).status_code == 404
    rejected = await world.client.post(f"{base}/reject", headers=world.ann.headers)
    assert rejected.json()["status"] == "rejected"
    assert (await world.client.post(f"{base}/confirm", headers=world.ann.headers)).status_code == 409
    assert world.google.sent == []


async def test_a_failing_model_keeps_the_persons_message(world: World) -> None:
    conversation = await world.conversation(world.ann)
    world.llm.fail(500)
    world.llm.fail(500)
    down = await world.say(world.ann, conversation, "anyone there?")
    assert down.status_code == 503
    assert "retry-after" in down.headers
    world.llm.fail(400, "bad model name")
    refused = await world.say(world.ann, conversation, "still?")
    assert refused.status_code == 502
    stored = [(m["role"], m["content"]) for m in await world.messages(world.ann, conversation)]
    assert stored == [("user", "anyone there?"), ("user", "still?")]


async def test_without_a_model_server_chat_is_503_and_everything_else_works(
    settings: Settings, llm: FakeLlm, google: FakeGoogle
) -> None:
    bare = msgspec.structs.replace(settings, llm_base_url=None)
    async with running(bare, Offline(RecordingQueue())) as client:
        ann = await signup(client)
        body = {"name": "Sec", "model": "m", "instructions": "hi"}
        assistant = (await client.post("/api/v1/assistants", json=body, headers=ann.headers)).json()["id"]
        created = await client.post("/api/v1/conversations", json={"assistant_id": assistant}, headers=ann.headers)
        assert created.status_code == 201
        said = await client.post(
            f"/api/v1/conversations/{created.json()['id']}/messages", json={"content": "hi"}, headers=ann.headers
        )
        assert said.status_code == 503
        assert "no language model configured" in said.json()["detail"]


async def test_an_openai_assistant_without_an_openai_key_is_503_and_the_message_stays(world: World) -> None:
    conversation = await world.conversation(world.ann, assistant_type="openai_api")
    said = await world.say(world.ann, conversation, "hi")
    assert said.status_code == 503
    assert said.json()["detail"] == "no language model configured for openai_api assistants"
    assert [m["content"] for m in await world.messages(world.ann, conversation)] == ["hi"]
    assert world.llm.requests == []


async def test_an_assistant_without_a_model_uses_the_servers_default(
    settings: Settings, llm: FakeLlm, google: FakeGoogle
) -> None:
    async for world in open_world(configured(settings, llm, google, llm_model="house-model"), llm, google):
        body = {"name": "Plain", "instructions": "Be brief."}
        created = await world.client.post("/api/v1/assistants", json=body, headers=world.ann.headers)
        assert created.status_code == 201, created.text
        assert created.json()["model"] == ""
        conversation = await world.talk_to(world.ann, created.json()["id"])
        assert (await world.say(world.ann, conversation, "hi")).status_code == 201
        assert world.llm.requests[-1]["model"] == "house-model"
        named = await world.conversation(world.ann)
        await world.say(world.ann, named, "hi")
        assert world.llm.requests[-1]["model"] == "test-model"  # one it names comes first


async def test_without_a_default_model_an_assistant_without_one_cannot_answer(world: World) -> None:
    conversation = await world.conversation(world.ann, model="")
    said = await world.say(world.ann, conversation, "hi")
    assert said.status_code == 503
    assert "names no model" in said.json()["detail"]
    assert world.llm.requests == []


async def test_message_size_and_rate_are_limited(settings: Settings, llm: FakeLlm, google: FakeGoogle) -> None:
    llm.reset()
    async with running(configured(settings, llm, google, chat_rate_limit="2/minute"), Offline(RecordingQueue())) as c:
        ann = await signup(c)
        body = {"name": "Sec", "model": "m", "instructions": "hi"}
        assistant = (await c.post("/api/v1/assistants", json=body, headers=ann.headers)).json()["id"]
        conversation = (
            await c.post("/api/v1/conversations", json={"assistant_id": assistant}, headers=ann.headers)
        ).json()
        path = f"/api/v1/conversations/{conversation['id']}/messages"
        too_long = await c.post(path, json={"content": "x" * 32_001}, headers=ann.headers)
        assert too_long.status_code == 422
        assert too_long.json()["errors"][0]["field"] == "content"
        assert (await c.post(path, json={"content": ""}, headers=ann.headers)).status_code == 422
        assert (await c.post(path, json={"content": "x" * 32_000}, headers=ann.headers)).status_code == 201
        assert (await c.post(path, json={"content": "again"}, headers=ann.headers)).status_code == 201
        limited = await c.post(path, json={"content": "and again"}, headers=ann.headers)
        assert limited.status_code == 429
        assert "retry-after" in limited.headers


async def test_conversations_are_private_paginated_and_deleted_with_their_messages(world: World) -> None:
    conversation = await world.conversation(world.ann)
    for word in ("one", "two", "three"):
        world.llm.reply(f"re: {word}")
        await world.say(world.ann, conversation, word)
    page = await world.client.get(
        f"/api/v1/conversations/{conversation}/messages?limit=2&offset=2", headers=world.ann.headers
    )
    assert page.json()["total"] == 6
    assert [m["content"] for m in page.json()["items"]] == ["two", "re: two"]
    others = await world.assistant(world.bob)
    refused = await world.client.post("/api/v1/conversations", json={"assistant_id": others}, headers=world.ann.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "assistant_id"
    for method, path in (
        ("GET", f"/api/v1/conversations/{conversation}"),
        ("GET", f"/api/v1/conversations/{conversation}/messages"),
        ("POST", f"/api/v1/conversations/{conversation}/messages"),
        ("DELETE", f"/api/v1/conversations/{conversation}"),
    ):
        response = await world.client.request(method, path, json={"content": "hi"}, headers=world.bob.headers)
        assert response.status_code == 404, (method, path)
    assert (await world.client.get("/api/v1/conversations", headers=world.bob.headers)).json()["total"] == 0
    deleted = await world.client.delete(f"/api/v1/conversations/{conversation}", headers=world.ann.headers)
    assert deleted.status_code == 204
    gone = await world.client.get(f"/api/v1/conversations/{conversation}/messages", headers=world.ann.headers)
    assert gone.status_code == 404
    assert await world.stored(conversation) == []  # the rows, not only the way to them


async def test_the_secretary_answers_a_conversation_without_an_assistant(world: World) -> None:
    assistant = await world.assistant(world.ann)
    linked = await world.client.post("/api/v1/secretaries", json={"assistant_id": assistant}, headers=world.ann.headers)
    assert linked.status_code == 201
    conversation = (await world.client.post("/api/v1/conversations", json={}, headers=world.ann.headers)).json()
    world.llm.reply("Secretary here.")
    answer = await world.say(world.ann, conversation["id"], "hello?")
    assert answer.json()["reply"]["content"] == "Secretary here."
    lonely = (await world.client.post("/api/v1/conversations", json={}, headers=world.bob.headers)).json()
    assert (await world.say(world.bob, lonely["id"], "hello?")).status_code == 409
