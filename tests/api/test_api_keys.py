"""API keys: made by admins, shown once, scoped, revocable, and able to act for a user."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.core.identity.entities import Role
from tests.support.accounts import key_headers, make_key, signup

Client = AsyncTestClient[Litestar]
KEYS = "/api/v1/api-keys"


async def test_a_key_is_shown_once_and_never_listed(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    key = await make_key(client, root, "users:read")
    assert key["key"].startswith("ak_")
    assert key["key"].startswith(key["prefix"])
    assert key["scopes"] == ["users:read"]
    listing = await client.get(KEYS, headers=root.headers)
    assert listing.status_code == 200
    assert listing.json()["total"] == 1
    assert key["key"] not in listing.text
    assert "digest" not in listing.text


async def test_unknown_scope_and_non_admins_are_refused(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    bad = await client.post(KEYS, json={"name": "x", "scopes": ["everything"]}, headers=root.headers)
    assert bad.status_code == 422
    user = await signup(client)
    assert (await client.post(KEYS, json={"name": "x", "scopes": []}, headers=user.headers)).status_code == 403


async def test_scopes_decide_what_a_key_may_do(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    reader = await make_key(client, root, "users:read")
    writer = await make_key(client, root, "users:write")
    assert (await client.get("/api/v1/users", headers=key_headers(reader))).status_code == 200
    assert (await client.post("/api/v1/users", json={"telegram_id": 1}, headers=key_headers(reader))).status_code == 403
    assert (await client.get("/api/v1/users", headers=key_headers(writer))).status_code == 403
    created = await client.post("/api/v1/users", json={"telegram_id": 1}, headers=key_headers(writer))
    assert created.status_code == 201
    role = await client.post("/api/v1/users", json={"telegram_id": 2, "role": "admin"}, headers=key_headers(writer))
    assert role.status_code == 403
    assert (await client.get(f"/api/v1/users/{root.id}", headers=key_headers(reader))).status_code == 403
    assert (await client.get(KEYS, headers=key_headers(reader))).status_code == 403


async def test_a_deleted_key_stops_working_at_once(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    key = await make_key(client, root, "users:read")
    assert (await client.delete(f"{KEYS}/{key['id']}", headers=root.headers)).status_code == 204
    assert (await client.get("/api/v1/users", headers=key_headers(key))).status_code == 401
    assert (await client.delete(f"{KEYS}/{key['id']}", headers=root.headers)).status_code == 404
    forged = {"key": key["key"][:-4] + "AAAA"}
    assert (await client.get("/api/v1/users", headers=key_headers(forged))).status_code == 401


async def test_act_as_runs_the_request_as_that_user(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    person = await signup(client)
    bot = await make_key(client, root, "act_as")
    me = await client.get("/api/v1/users/me", headers=key_headers(bot, person.id))
    assert me.status_code == 200
    assert me.json()["email"] == person.email
    patched = await client.patch(
        "/api/v1/users/me", json={"timezone": "Asia/Tokyo"}, headers=key_headers(bot, person.id)
    )
    assert patched.json()["timezone"] == "Asia/Tokyo"
    # acting as a user gives the user's rights, not the key's
    assert (await client.get("/api/v1/users", headers=key_headers(bot, person.id))).status_code == 403


async def test_act_as_refuses_admins_unknown_users_and_keys_without_the_scope(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    person = await signup(client)
    bot = await make_key(client, root, "act_as")
    reader = await make_key(client, root, "users:read")
    assert (await client.get("/api/v1/users/me", headers=key_headers(bot, root.id))).status_code == 404
    unknown = "01a20000-0000-7000-8000-000000000000"
    assert (await client.get("/api/v1/users/me", headers=key_headers(bot, unknown))).status_code == 404
    assert (await client.get("/api/v1/users/me", headers=key_headers(bot, "garbage"))).status_code == 404
    assert (await client.get("/api/v1/users/me", headers=key_headers(reader, person.id))).status_code == 403
    assert (await client.get("/api/v1/users/me", headers=key_headers(bot))).status_code == 403
