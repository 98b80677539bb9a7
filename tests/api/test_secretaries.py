"""Secretaries: one active per user, only the user's own is_secretary assistants, history kept."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.core.identity.entities import Role
from tests.support.accounts import Account, signup

Client = AsyncTestClient[Litestar]
MINE = "/api/v1/secretaries"


async def assistant(client: Client, owner: Account, is_secretary: bool = True) -> str:
    body = {"name": "Moneypenny", "model": "m", "is_secretary": is_secretary}
    response = await client.post("/api/v1/assistants", json=body, headers=owner.headers)
    assert response.status_code == 201
    return str(response.json()["id"])


async def key(client: Client, root: Account, *scopes: str) -> dict[str, str]:
    response = await client.post("/api/v1/api-keys", json={"name": "bot", "scopes": list(scopes)}, headers=root.headers)
    return {"Authorization": f"Bearer {response.json()['key']}"}


async def test_linking_a_new_secretary_replaces_the_old_one(client: Client) -> None:
    person = await signup(client)
    assert (await client.get(MINE, headers=person.headers)).status_code == 404
    first, second = await assistant(client, person), await assistant(client, person)
    linked = await client.post(MINE, json={"assistant_id": first}, headers=person.headers)
    assert linked.status_code == 201
    assert linked.json()["assistant_id"] == first
    assert (await client.post(MINE, json={"assistant_id": second}, headers=person.headers)).status_code == 201
    current: dict[str, Any] = (await client.get(MINE, headers=person.headers)).json()
    assert (current["assistant_id"], current["user_id"]) == (second, person.id)
    assert (await client.delete(MINE, headers=person.headers)).status_code == 204
    assert (await client.get(MINE, headers=person.headers)).status_code == 404
    assert (await client.delete(MINE, headers=person.headers)).status_code == 404


async def test_only_the_callers_own_is_secretary_assistant_can_be_linked(client: Client) -> None:
    person = await signup(client)
    stranger = await signup(client)
    plain = await assistant(client, person, is_secretary=False)
    theirs = await assistant(client, stranger)
    for target in (plain, theirs, "01a20000-0000-7000-8000-000000000000"):
        response = await client.post(MINE, json={"assistant_id": target}, headers=person.headers)
        assert response.status_code == 422, target
        assert response.json()["errors"][0]["field"] == "assistant_id"
    assert (await client.get(MINE, headers=person.headers)).status_code == 404


async def test_deleting_the_assistant_removes_its_link(client: Client) -> None:
    person = await signup(client)
    secretary = await assistant(client, person)
    await client.post(MINE, json={"assistant_id": secretary}, headers=person.headers)
    assert (await client.delete(f"/api/v1/assistants/{secretary}", headers=person.headers)).status_code == 204
    assert (await client.get(MINE, headers=person.headers)).status_code == 404


async def test_admins_and_bots_manage_a_users_secretary(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    person = await signup(client)
    secretary = await assistant(client, person)
    theirs = f"/api/v1/users/{person.id}/secretary"
    writer, reader = await key(client, root, "users:write"), await key(client, root, "users:read")
    assert (await client.put(theirs, json={"assistant_id": secretary}, headers=reader)).status_code == 403
    linked = await client.put(theirs, json={"assistant_id": secretary}, headers=writer)
    assert linked.status_code == 200
    assert (await client.get(theirs, headers=reader)).json()["assistant_id"] == secretary
    assert (await client.get(MINE, headers=person.headers)).json()["assistant_id"] == secretary
    roots_own = await assistant(client, root)
    wrong_owner = await client.put(theirs, json={"assistant_id": roots_own}, headers=root.headers)
    assert wrong_owner.status_code == 422
    other = await signup(client)
    assert (await client.get(theirs, headers=other.headers)).status_code == 403
