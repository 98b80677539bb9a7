"""One reply at a time per conversation, a history the model server accepts whatever happened before, no
transaction open while the model thinks, and what a conversation shows of itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from assistme.adapters.persistence.engine import make_engine
from assistme.config import Settings
from assistme.core.conversations.entities import MessageRole, NewMessage, ToolCallRecord
from tests.support.conversations import World, aside, configured, open_world
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm

pytestmark = pytest.mark.usefixtures("app")

IDLE_IN_TRANSACTION = text(
    "SELECT state, query FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
)


@pytest.fixture
async def world(settings: Settings, llm: FakeLlm, google: FakeGoogle) -> AsyncIterator[World]:
    async for opened in open_world(configured(settings, llm, google), llm, google):
        yield opened


async def test_a_message_sent_while_a_reply_runs_is_409_and_the_replies_never_interleave(world: World) -> None:
    conversation = await world.conversation(world.ann)
    world.llm.hang(1.0)
    world.llm.reply("First answer.")
    first = aside(world.say(world.ann, conversation, "one"))
    await world.llm.received(1)
    meanwhile = await world.say(world.ann, conversation, "two")  # another tab
    assert meanwhile.status_code == 409, meanwhile.text
    assert "still answering" in meanwhile.json()["detail"]
    assert (await first).status_code == 201
    world.llm.reply("Second answer.")
    assert (await world.say(world.ann, conversation, "two")).status_code == 201
    assert [(m["role"], m["content"]) for m in await world.messages(world.ann, conversation)] == [
        ("user", "one"),
        ("assistant", "First answer."),
        ("user", "two"),
        ("assistant", "Second answer."),
    ]


async def test_a_failed_reply_frees_the_conversation(world: World) -> None:
    conversation = await world.conversation(world.ann)
    world.llm.fail(400, "bad model name")
    assert (await world.say(world.ann, conversation, "one")).status_code == 502
    world.llm.reply("Here now.")
    assert (await world.say(world.ann, conversation, "two")).status_code == 201


async def test_calls_parted_from_their_results_do_not_break_the_conversation(world: World) -> None:
    conversation = await world.conversation(world.ann, "time")
    call = ToolCallRecord("call_old1", "time", {})
    await world.stored(
        conversation,
        NewMessage(MessageRole.ASSISTANT, None, (call,)),
        NewMessage(MessageRole.USER, "are you there?"),  # landed between the call and its result
        NewMessage(MessageRole.TOOL, '{"now": "09:00"}', (), "call_old1", "time"),
        NewMessage(MessageRole.ASSISTANT, None, (ToolCallRecord("call_old2", "time", {}),)),  # a reply cut short
    )
    world.llm.reply("Yes, it is nine.")
    answer = await world.say(world.ann, conversation, "hello?")
    assert answer.status_code == 201, answer.text  # the fake refuses a history OpenAI would refuse: 502
    sent = world.llm.requests[-1]["messages"]
    assert [(m["role"], m.get("tool_call_id") or m["content"]) for m in sent[1:]] == [
        ("assistant", None),
        ("tool", "call_old1"),
        ("user", "are you there?"),
        ("user", "hello?"),
    ]


@pytest.mark.parametrize("base_settings", ["postgres"], indirect=True)
async def test_no_transaction_is_open_while_the_model_thinks(world: World) -> None:
    conversation = await world.conversation(world.ann, "reminder")
    world.llm.hang(1.0)
    world.llm.call_tool("reminder", {"message": "stretch", "run_at": "2031-01-01T09:00:00Z"})
    world.llm.hang(1.0)
    world.llm.reply("Set.")
    engine = make_engine(world.settings.database_url)
    try:
        reply = aside(world.say(world.ann, conversation, "Remind me to stretch"))
        for calls in (1, 2):  # the second after a tool wrote a job
            await world.llm.received(calls)
            async with engine.connect() as connection:
                assert (await connection.execute(IDLE_IN_TRANSACTION)).all() == []
        assert (await reply).status_code == 201
    finally:
        await engine.dispose()


async def test_a_conversation_shows_exactly_its_latest_fifty_messages(world: World) -> None:
    conversation = await world.conversation(world.ann, "time")
    world.llm.loop_tool = "time"  # each reply: the message, 8 calls with their results, the stop: 18 messages
    for word in ("one", "two", "three"):
        assert (await world.say(world.ann, conversation, word)).status_code == 201
    every: list[dict[str, Any]] = []
    for offset in (0, 100):
        page = await world.client.get(
            f"/api/v1/conversations/{conversation}/messages?limit=100&offset={offset}", headers=world.ann.headers
        )
        every += page.json()["items"]
    assert len(every) == 54
    shown = (await world.client.get(f"/api/v1/conversations/{conversation}", headers=world.ann.headers)).json()
    assert [m["id"] for m in shown["messages"]] == [m["id"] for m in every[-50:]]
