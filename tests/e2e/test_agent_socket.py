"""`WS /api/v1/ws/agent` on the real server (`assistme run`, uvicorn's WebSocket support) with a fake model server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.fake_llm import FakeLlm
from tests.support.processes import PASSWORD, cli, environment, serving


@pytest.fixture(scope="module")
def server(llm: FakeLlm, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("ws")
    env = environment(home) | {"ASSISTME_LLM_BASE_URL": f"{llm.base_url}/v1", "ASSISTME_LLM_RETRIES": "0"}
    env["ASSISTME_RATE_LIMIT_AUTH"] = "100/minute"  # each test signs a person up from this one address
    if llm.api_key:
        env["ASSISTME_LLM_API_KEY"] = llm.api_key
    cli(env, "db", "upgrade")
    with serving(env, home) as base:
        yield base


async def person(server: str, *tools: str) -> tuple[str, str]:
    """A new account with a conversation with an assistant that has ``tools``: (access token, conversation id)."""
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        registered = await http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201
        login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        listed = (await http.get("/api/v1/tools?limit=100", headers=auth)).json()["items"]
        tool_ids = [tool["id"] for tool in listed if tool["name"] in tools]
        body = {"name": "Sec", "model": "test-model", "instructions": "be brief", "tool_ids": tool_ids}
        assistant = (await http.post("/api/v1/assistants", json=body, headers=auth)).json()["id"]
        conversation = await http.post("/api/v1/conversations", json={"assistant_id": assistant}, headers=auth)
    return login.json()["access_token"], str(conversation.json()["id"])


def socket_url(server: str) -> str:
    return server.replace("http://", "ws://") + "/api/v1/ws/agent"


async def frames_until_final(socket: ClientConnection) -> list[dict[str, Any]]:
    frames = []
    while not frames or frames[-1]["type"] not in ("final", "error"):
        frames.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
    return frames


async def frames_until_closed(socket: ClientConnection) -> list[dict[str, Any]]:
    frames = []
    with contextlib.suppress(ConnectionClosed):
        async for frame in socket:
            frames.append(json.loads(frame))
    return frames


async def test_a_reply_streams_in_chunks_and_ends_with_the_saved_message(server: str, llm: FakeLlm) -> None:
    llm.reset()
    token, conversation = await person(server)
    llm.reply("Good morning, Ann. Three meetings today.")
    async with connect(socket_url(server)) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        await socket.send(json.dumps({"type": "message", "conversation_id": conversation, "content": "Morning!"}))
        frames = await frames_until_final(socket)
    chunks = [f["delta"] for f in frames if f["type"] == "chunk"]
    assert len(chunks) > 1
    assert "".join(chunks) == "Good morning, Ann. Three meetings today."
    assert frames[-1]["message"]["content"] == "Good morning, Ann. Three meetings today."
    assert llm.requests[-1]["stream"] is True


async def test_tool_calls_their_results_and_pending_writes_come_as_frames(server: str, llm: FakeLlm) -> None:
    llm.reset()
    token, conversation = await person(server, "time", "calendar")
    event = {"title": "Dentist", "start": "2031-01-07T09:00:00Z", "end": "2031-01-07T10:00:00Z"}
    llm.calls_tools([("time", {"timezone": "UTC"}), ("calendar", {"action": "create_event", "params": event})])
    llm.reply("It is nine. Confirm the dentist?")
    async with connect(socket_url(server)) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        await socket.send(json.dumps({"type": "message", "conversation_id": conversation, "content": "Book it"}))
        frames = [f for f in await frames_until_final(socket) if f["type"] != "chunk"]
    kinds = ["tool_call", "tool_call", "tool_result", "tool_result", "action_pending", "final"]
    assert [f["type"] for f in frames] == kinds
    calls, results = frames[:2], frames[2:4]
    assert [(c["name"], c["arguments"]) for c in calls] == [
        ("time", {"timezone": "UTC"}),
        ("calendar", {"action": "create_event", "params": event}),
    ]
    assert [r["tool_call_id"] for r in results] == [c["id"] for c in calls]
    assert json.loads(results[0]["content"])["timezone"] == "UTC"
    action_id = frames[4]["action_id"]
    assert json.loads(results[1]["content"]) == {
        "status": "awaiting_confirmation",
        "action_id": action_id,
        "action": "create_event",
    }
    assert frames[5]["message"]["content"] == "It is nine. Confirm the dentist?"
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        path = f"/api/v1/conversations/{conversation}/actions/{action_id}/reject"
        rejected = await http.post(path, headers={"Authorization": f"Bearer {token}"})
    assert rejected.json()["status"] == "rejected"


async def test_a_session_revoked_during_a_reply_closes_the_socket_before_the_final_frame(
    server: str, llm: FakeLlm
) -> None:
    llm.reset()
    token, conversation = await person(server)
    llm.hang(1.5)
    llm.reply("Here is the answer.")
    auth = {"Authorization": f"Bearer {token}"}
    async with connect(socket_url(server)) as socket, httpx.AsyncClient(base_url=server, timeout=10) as http:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        await socket.send(json.dumps({"type": "message", "conversation_id": conversation, "content": "Tell me"}))
        await llm.received(1)
        assert (await http.post("/api/v1/auth/logout", headers=auth)).status_code == 204
        frames = await frames_until_closed(socket)
    assert [f["type"] for f in frames if f["type"] != "chunk"] == []  # no final frame
    assert socket.close_code == 4401


async def test_without_a_valid_first_frame_the_socket_closes_4401(server: str) -> None:
    for first in (
        {"type": "message", "conversation_id": str(uuid.uuid4()), "content": "hi"},
        {"type": "auth", "token": "forged"},
    ):
        async with connect(socket_url(server)) as socket:
            await socket.send(json.dumps(first))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


async def test_a_session_revoked_meanwhile_closes_the_socket_4401(server: str, llm: FakeLlm) -> None:
    llm.reset()
    token, conversation = await person(server)
    async with connect(socket_url(server)) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        async with httpx.AsyncClient(base_url=server, timeout=10) as http:
            logout = await http.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
            assert logout.status_code == 204
        await socket.send(json.dumps({"type": "message", "conversation_id": conversation, "content": "still here?"}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    assert llm.requests == []


async def test_a_client_that_leaves_mid_reply_still_finds_the_reply_saved(server: str, llm: FakeLlm) -> None:
    llm.reset()
    token, conversation = await person(server)
    llm.hang(1.0)
    llm.reply("Here is the long answer.")
    async with connect(socket_url(server)) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        await socket.send(json.dumps({"type": "message", "conversation_id": conversation, "content": "Tell me"}))
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        for _ in range(50):
            listed = await http.get(f"/api/v1/conversations/{conversation}/messages", headers=auth)
            if len(stored := listed.json()["items"]) == 2:
                break
            await asyncio.sleep(0.1)
    assert [(m["role"], m["content"]) for m in stored] == [
        ("user", "Tell me"),
        ("assistant", "Here is the long answer."),
    ]


async def test_errors_come_as_frames_and_the_socket_stays_open(server: str, llm: FakeLlm) -> None:
    llm.reset()
    token, conversation = await person(server)
    async with connect(socket_url(server)) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        await socket.send(json.dumps({"type": "message", "conversation_id": str(uuid.uuid4()), "content": "hi"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {
            "type": "error",
            "status": 404,
            "detail": "no such conversation",
        }
        await socket.send("{not json")
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["status"] == 422
        llm.reply("fine")
        await socket.send(json.dumps({"type": "message", "conversation_id": conversation, "content": "hi"}))
        assert (await frames_until_final(socket))[-1]["type"] == "final"
