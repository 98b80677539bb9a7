"""The tools through a conversation, the model being the fake OpenAI-compatible server: reminders at any RFC 3339
time, arguments a loosened schema lets through, calendar and mail reads on the fake Google, other assistants
asked, and what is stored of every call."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistme.config import Settings
from tests.support.conversations import World, configured, open_world
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
async def world(settings: Settings, llm: FakeLlm, google: FakeGoogle) -> AsyncIterator[World]:
    async for opened in open_world(configured(settings, llm, google), llm, google):
        yield opened


def tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)


async def test_a_reminder_at_a_lower_case_rfc_3339_time_is_set(world: World) -> None:
    conversation = await world.conversation(world.ann, "reminder")
    at = tomorrow()
    world.llm.call_tool("reminder", {"message": "call mum", "run_at": at.strftime("%Y-%m-%dt%H:%M:%Sz")})
    world.llm.reply("Set for tomorrow.")
    answer = await world.say(world.ann, conversation, "Remind me tomorrow")
    assert answer.status_code == 201, answer.text
    assert world.fed_back()["run_at"] == at.isoformat()
    [job] = (await world.client.get("/api/v1/cron-jobs", headers=world.ann.headers)).json()["items"]
    assert datetime.fromisoformat(job["run_at"]) == at


async def test_arguments_a_loosened_schema_lets_through_are_errors_the_model_reads(world: World) -> None:
    tools = []
    for kind in ("reminder", "calendar", "weather", "time"):
        body = {"name": f"loose_{kind}", "tool_type": kind, "input_schema": {"type": "object"}}
        created = await world.client.post("/api/v1/tools", json=body, headers=world.root.headers)
        assert created.status_code == 201, created.text
        tools.append(created.json()["id"])
    assistant = await world.assistant(world.ann, tool_ids=tools)
    conversation = await world.talk_to(world.ann, assistant)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("loose_reminder", {"message": "call mum"}),
        ("loose_reminder", {"message": ["call", "mum"], "run_at": tomorrow().isoformat()}),
        ("loose_reminder", {"message": "call mum", "run_at": "2030-01-01T10:00:00"}),
        ("loose_calendar", {"action": 7}),
        ("loose_calendar", {"action": "list_events", "params": "today"}),
        ("loose_weather", {"lat": "north", "lon": 10}),
        ("loose_time", {"timezone": 3}),
    ]
    for name, arguments in calls:
        world.llm.call_tool(name, arguments)
    world.llm.reply("Something went wrong.")
    answer = await world.say(world.ann, conversation, "do things")
    assert answer.status_code == 201, answer.text
    errors = [json.loads(m["content"]).get("error") for m in answer.json()["messages"] if m["role"] == "tool"]
    assert errors == [
        "run_at: this field is required",
        "message: must be a string",
        "run_at needs a UTC offset (Z or like +01:00)",
        "action: must be a string",
        "params: must be an object",
        "lat: must be a number",
        "timezone: must be a string",
    ]
    assert (await world.client.get("/api/v1/cron-jobs", headers=world.ann.headers)).json()["total"] == 0


async def test_calendar_and_mail_reads_run_at_once_on_the_persons_google(world: World) -> None:
    await world.calendar(world.ann)
    await world.connect(world.ann, "gmail")
    start = tomorrow()
    world.google.add_event("Dentist", start, start + timedelta(hours=1))
    world.google.add_message("boss@example.com", "ann@example.com", "Quarterly plan", "See attached.", date=start)
    conversation = await world.conversation(world.ann, "calendar", "gmail")
    window = {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()}
    world.llm.call_tool("calendar", {"action": "list_events", "params": window})
    world.llm.call_tool("gmail", {"action": "list_emails", "params": {"max_results": 5}})
    world.llm.reply("A dentist tomorrow, and mail from your boss.")
    answer = await world.say(world.ann, conversation, "What is coming up?")
    assert answer.status_code == 201, answer.text
    assert answer.json()["pending_action_ids"] == []
    events = world.fed_back(1)["events"]
    assert [(e["title"], datetime.fromisoformat(e["start"])) for e in events] == [("Dentist", start)]
    emails = world.fed_back(2)["emails"]
    assert [(m["sender"], m["subject"]) for m in emails] == [("boss@example.com", "Quarterly plan")]


async def test_another_assistant_answers_through_the_sub_assistant_tool(world: World) -> None:
    helper = await world.assistant(world.ann, instructions="You know trains.", is_secretary=False, name="Trains")
    conversation = await world.conversation(world.ann, "sub_assistant")
    world.llm.call_tool("sub_assistant", {"assistant_id": helper, "question": "Next train to Bonn?"})
    world.llm.reply("At 10:05.")  # the helper's answer
    world.llm.reply("Your train leaves at 10:05.")
    answer = await world.say(world.ann, conversation, "When is my train?")
    assert answer.status_code == 201, answer.text
    assert answer.json()["reply"]["content"] == "Your train leaves at 10:05."
    asked = world.llm.requests[1]["messages"]
    assert [(m["role"], m["content"]) for m in asked] == [
        ("system", "You know trains."),
        ("user", "Next train to Bonn?"),
    ]
    assert world.fed_back(2) == {"assistant": "Trains", "answer": "At 10:05."}


async def test_an_assistant_whose_model_server_is_not_configured_cannot_answer_and_the_reply_goes_on(
    world: World,
) -> None:
    helper = await world.assistant(world.ann, assistant_type="openai_api", is_secretary=False, name="Oracle")
    conversation = await world.conversation(world.ann, "sub_assistant")
    world.llm.call_tool("sub_assistant", {"assistant_id": helper, "question": "Meaning of life?"})
    world.llm.reply("The oracle is away.")
    answer = await world.say(world.ann, conversation, "Ask the oracle")
    assert answer.status_code == 201, answer.text
    assert world.fed_back() == {
        "error": "Oracle could not answer: no language model configured for openai_api assistants"
    }


async def test_every_call_is_stored_with_its_secrets_masked(world: World) -> None:
    conversation = await world.conversation(world.ann, "time", "sub_assistant")
    world.llm.call_tool("format_disk", {"api_token": "s3cret-1", "max_tokens": 5})
    world.llm.call_tool("time", '{"password": "s3cret-2", "timezone": ')
    world.llm.call_tool("sub_assistant", {"assistant_id": "x", "question": "hi", "client_secret": "s3cret-3"})
    world.llm.reply("Done.")
    answer = await world.say(world.ann, conversation, "go")
    assert answer.status_code == 201, answer.text
    calls = [m["tool_calls"][0] for m in answer.json()["messages"] if m["tool_calls"]]
    assert calls[0]["arguments"] == {"api_token": "***", "max_tokens": 5}
    assert calls[1]["arguments"] == '{"password": "***", "timezone": '
    assert calls[2]["arguments"]["client_secret"] == "***"
    refused = json.loads(answer.json()["messages"][6]["content"])["error"]
    assert "client_secret: this field cannot be set here" in refused  # the schema checked it, no one was asked
    assert len(world.llm.requests) == 4
    assert "s3cret" not in json.dumps(await world.messages(world.ann, conversation))
