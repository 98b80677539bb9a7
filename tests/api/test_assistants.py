"""Assistants: owned by their creator, invisible to others, managed by admins, with tools attached."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.core.identity.entities import Role
from tests.support.accounts import Account, signup

Client = AsyncTestClient[Litestar]
ASSISTANTS = "/api/v1/assistants"


def spec(**extra: Any) -> dict[str, Any]:
    return {"name": "Jeeves", "model": "llama3.1", "instructions": "Be brief.", **extra}


async def create(client: Client, owner: Account, **extra: Any) -> dict[str, Any]:
    response = await client.post(ASSISTANTS, json=spec(**extra), headers=owner.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def tool_ids(client: Client, account: Account, *names: str) -> list[str]:
    items = (await client.get("/api/v1/tools?limit=100", headers=account.headers)).json()["items"]
    by_name = {t["name"]: t["id"] for t in items}
    return [by_name[n] for n in names]


async def test_create_answers_the_assistant_owned_by_the_caller(client: Client) -> None:
    owner = await signup(client)
    time_id, weather_id = await tool_ids(client, owner, "time", "weather")
    body = await create(client, owner, tool_ids=[time_id, weather_id], is_secretary=True, description="home helper")
    assert body["owner_id"] == owner.id
    assert (body["assistant_type"], body["is_secretary"]) == ("llm", True)
    assert body["tool_ids"] == [time_id, weather_id]
    assert uuid.UUID(body["id"]).version == 7
    fetched = await client.get(f"{ASSISTANTS}/{body['id']}", headers=owner.headers)
    assert fetched.json()["tool_ids"] == [time_id, weather_id]


async def test_another_users_assistant_is_404_for_every_verb(client: Client) -> None:
    owner = await signup(client)
    stranger = await signup(client)
    mine = await create(client, owner)
    time_id = (await tool_ids(client, owner, "time"))[0]
    target = f"{ASSISTANTS}/{mine['id']}"
    for method, path, body in [
        ("GET", target, None),
        ("PATCH", target, {"name": "mine now"}),
        ("PUT", target, spec()),
        ("DELETE", target, None),
        ("PUT", f"{target}/tools/{time_id}", None),
        ("DELETE", f"{target}/tools/{time_id}", None),
    ]:
        response = await client.request(method, path, json=body, headers=stranger.headers)
        assert response.status_code == 404, (method, path)
    assert (await client.get(ASSISTANTS, headers=stranger.headers)).json()["total"] == 0
    assert (await client.get(target, headers=owner.headers)).json()["name"] == "Jeeves"


async def test_admins_list_and_manage_everyones_assistants(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    owner = await signup(client)
    theirs = await create(client, owner)
    assert (await client.get(ASSISTANTS, headers=root.headers)).json()["total"] == 1
    renamed = await client.patch(f"{ASSISTANTS}/{theirs['id']}", json={"name": "Alfred"}, headers=root.headers)
    assert renamed.status_code == 200
    assert renamed.json()["owner_id"] == owner.id
    assert (await client.delete(f"{ASSISTANTS}/{theirs['id']}", headers=root.headers)).status_code == 204
    assert (await client.get(f"{ASSISTANTS}/{theirs['id']}", headers=owner.headers)).status_code == 404


async def test_list_pages_and_filters(client: Client) -> None:
    owner = await signup(client)
    await create(client, owner, name="Secretary", is_secretary=True)
    await create(client, owner, name="Chef", description="cooks with you")
    await create(client, owner, name="Coach")
    everything = (await client.get(ASSISTANTS, headers=owner.headers)).json()
    assert everything["total"] == 3
    secretaries = (await client.get(f"{ASSISTANTS}?is_secretary=true", headers=owner.headers)).json()
    assert [a["name"] for a in secretaries["items"]] == ["Secretary"]
    cooks = (await client.get(f"{ASSISTANTS}?q=COOKS", headers=owner.headers)).json()
    assert [a["name"] for a in cooks["items"]] == ["Chef"]
    page = (await client.get(f"{ASSISTANTS}?limit=2&offset=2", headers=owner.headers)).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    beyond = (await client.get(f"{ASSISTANTS}?offset=5", headers=owner.headers)).json()
    assert (beyond["total"], beyond["items"]) == (3, [])  # past the end, the total is still told
    for bad in ("limit=0", "limit=101", "offset=-1", "is_secretary=maybe"):
        assert (await client.get(f"{ASSISTANTS}?{bad}", headers=owner.headers)).status_code == 422, bad


async def test_a_listed_assistant_carries_its_tools_in_their_order(client: Client) -> None:
    owner = await signup(client)
    time_id, weather_id, gmail_id = await tool_ids(client, owner, "time", "weather", "gmail")
    await create(client, owner, name="First", tool_ids=[gmail_id, time_id, weather_id])
    await create(client, owner, name="Bare")
    await create(client, owner, name="Last", tool_ids=[weather_id])
    listed = (await client.get(f"{ASSISTANTS}?limit=2", headers=owner.headers)).json()
    assert listed["total"] == 3
    assert [(a["name"], a["tool_ids"]) for a in listed["items"]] == [
        ("First", [gmail_id, time_id, weather_id]),
        ("Bare", []),
    ]


async def test_tool_ids_replace_the_set_and_an_unknown_id_changes_nothing(client: Client) -> None:
    owner = await signup(client)
    time_id, weather_id, gmail_id = await tool_ids(client, owner, "time", "weather", "gmail")
    mine = await create(client, owner, tool_ids=[time_id])
    target = f"{ASSISTANTS}/{mine['id']}"
    replaced = await client.patch(target, json={"tool_ids": [weather_id, gmail_id]}, headers=owner.headers)
    assert replaced.json()["tool_ids"] == [weather_id, gmail_id]
    unknown = str(uuid.uuid4())
    refused = await client.patch(
        target, json={"name": "changed", "tool_ids": [time_id, unknown]}, headers=owner.headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "tool_ids"
    after = (await client.get(target, headers=owner.headers)).json()
    assert (after["name"], after["tool_ids"]) == ("Jeeves", [weather_id, gmail_id])
    create_refused = await client.post(ASSISTANTS, json=spec(tool_ids=[unknown]), headers=owner.headers)
    assert create_refused.status_code == 422
    assert (await client.get(ASSISTANTS, headers=owner.headers)).json()["total"] == 1


async def test_attach_and_detach_a_tool(client: Client) -> None:
    owner = await signup(client)
    time_id, weather_id = await tool_ids(client, owner, "time", "weather")
    mine = await create(client, owner, tool_ids=[time_id])
    target = f"{ASSISTANTS}/{mine['id']}"
    assert (await client.put(f"{target}/tools/{weather_id}", headers=owner.headers)).status_code == 204
    assert (await client.put(f"{target}/tools/{weather_id}", headers=owner.headers)).status_code == 204
    assert (await client.get(target, headers=owner.headers)).json()["tool_ids"] == [time_id, weather_id]
    assert (await client.delete(f"{target}/tools/{time_id}", headers=owner.headers)).status_code == 204
    assert (await client.get(target, headers=owner.headers)).json()["tool_ids"] == [weather_id]
    assert (await client.put(f"{target}/tools/{uuid.uuid4()}", headers=owner.headers)).status_code == 404


async def test_bad_input_is_422_naming_the_field(client: Client) -> None:
    owner = await signup(client)
    for body, field in [
        ({"model": "m"}, "name"),
        (spec(assistant_type="skynet"), "assistant_type"),
        (spec(owner_id=str(uuid.uuid4())), "owner_id"),
        (spec(id=str(uuid.uuid4())), "id"),
        (spec(name=""), "name"),
    ]:
        response = await client.post(ASSISTANTS, json=body, headers=owner.headers)
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


async def test_deleting_the_owner_deletes_their_assistants(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    owner = await signup(client)
    mine = await create(client, owner, tool_ids=await tool_ids(client, owner, "time"))
    assert (await client.delete("/api/v1/users/me", headers=owner.headers)).status_code == 204
    assert (await client.get(f"{ASSISTANTS}/{mine['id']}", headers=root.headers)).status_code == 404
    assert (await client.get(ASSISTANTS, headers=root.headers)).json()["total"] == 0
