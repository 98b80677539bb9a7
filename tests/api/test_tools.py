"""The tool catalog: built-in tools from the first start, admins write, schemas are real JSON Schemas."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.core.identity.entities import Role
from tests.support.accounts import signup

Client = AsyncTestClient[Litestar]
TOOLS = "/api/v1/tools"
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def tool(name: str = "city_lookup", **extra: Any) -> dict[str, Any]:
    return {"name": name, "tool_type": "weather", "description": "looks a city up", "input_schema": SCHEMA, **extra}


async def builtin(client: Client, headers: dict[str, str], name: str) -> dict[str, Any]:
    items = (await client.get(f"{TOOLS}?limit=100", headers=headers)).json()["items"]
    return next(t for t in items if t["name"] == name)


async def test_every_tool_type_has_a_builtin_tool_with_an_object_schema(client: Client) -> None:
    user = await signup(client)
    response = await client.get(f"{TOOLS}?limit=100", headers=user.headers)
    assert response.status_code == 200
    builtins = [t for t in response.json()["items"] if t["is_builtin"]]
    assert {t["tool_type"] for t in builtins} == {"calendar", "reminder", "time", "sub_assistant", "weather", "gmail"}
    for t in builtins:
        assert t["input_schema"]["type"] == "object"
    reminder = next(t for t in builtins if t["tool_type"] == "reminder")
    assert set(reminder["input_schema"]["required"]) == {"message", "run_at"}
    pages = [(await client.get(f"{TOOLS}?limit=4&offset={o}", headers=user.headers)).json() for o in (0, 4, 8)]
    assert [(p["total"], len(p["items"])) for p in pages] == [(6, 4), (6, 2), (6, 0)]
    assert [t["id"] for p in pages for t in p["items"]] == [t["id"] for t in response.json()["items"]]


async def test_only_admins_write_the_catalog(client: Client) -> None:
    user = await signup(client)
    assert (await client.post(TOOLS, json=tool(), headers=user.headers)).status_code == 403
    time_tool = await builtin(client, user.headers, "time")
    assert (
        await client.patch(f"{TOOLS}/{time_tool['id']}", json={"description": "x"}, headers=user.headers)
    ).status_code == 403
    assert (await client.delete(f"{TOOLS}/{time_tool['id']}", headers=user.headers)).status_code == 403
    assert (await client.get(f"{TOOLS}/{time_tool['id']}", headers=user.headers)).status_code == 200
    assert (await client.get(TOOLS)).status_code == 401


async def test_admin_adds_changes_and_deletes_a_tool(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    created = await client.post(TOOLS, json=tool(), headers=root.headers)
    assert created.status_code == 201
    body = created.json()
    assert body["is_builtin"] is False
    assert body["input_schema"] == SCHEMA
    dup = await client.post(TOOLS, json=tool(), headers=root.headers)
    assert dup.status_code == 409
    renamed = await client.patch(f"{TOOLS}/{body['id']}", json={"name": "city_finder"}, headers=root.headers)
    assert renamed.json()["name"] == "city_finder"
    replaced = await client.put(
        f"{TOOLS}/{body['id']}", json=tool("city_finder", tool_type="time"), headers=root.headers
    )
    assert replaced.json()["tool_type"] == "time"
    assert (await client.delete(f"{TOOLS}/{body['id']}", headers=root.headers)).status_code == 204
    assert (await client.get(f"{TOOLS}/{body['id']}", headers=root.headers)).status_code == 404


async def test_builtin_tools_are_never_deleted_nor_renamed_but_may_be_redescribed(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    weather = await builtin(client, root.headers, "weather")
    target = f"{TOOLS}/{weather['id']}"
    assert (await client.delete(target, headers=root.headers)).status_code == 409
    assert (await client.patch(target, json={"name": "forecast"}, headers=root.headers)).status_code == 409
    assert (await client.patch(target, json={"tool_type": "time"}, headers=root.headers)).status_code == 409
    described = await client.patch(target, json={"description": weather["description"]}, headers=root.headers)
    assert described.status_code == 200
    assert (await client.get(target, headers=root.headers)).status_code == 200


async def test_input_schema_must_be_a_valid_json_schema_of_an_object(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    for schema in (
        {"type": "objekt"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "properties": {"n": {"type": "number", "minimum": "zero"}}},
        {"type": "object", "required": "city"},
    ):
        response = await client.post(TOOLS, json=tool(input_schema=schema), headers=root.headers)
        assert response.status_code == 422, schema
        assert {e["field"] for e in response.json()["errors"]} == {"input_schema"}
    bad_type = await client.post(TOOLS, json=tool(tool_type="teleport"), headers=root.headers)
    assert bad_type.status_code == 422
    not_an_object = await client.post(TOOLS, json=tool(input_schema=["x"]), headers=root.headers)
    assert not_an_object.status_code == 422
