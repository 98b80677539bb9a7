"""Managing accounts: admins everywhere, API keys with the users scopes where API.md says, nobody else."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.core.identity.entities import Role
from tests.support.accounts import PASSWORD, Account, signup

Client = AsyncTestClient[Litestar]
USERS = "/api/v1/users"


async def admin(client: Client) -> Account:
    return await signup(client, role=Role.ADMIN)


async def test_plain_users_get_403_on_every_admin_route(client: Client) -> None:
    user = await signup(client)
    other = await signup(client)
    for method, path in [
        ("GET", USERS),
        ("POST", USERS),
        ("GET", f"{USERS}/{other.id}"),
        ("PATCH", f"{USERS}/{other.id}"),
        ("DELETE", f"{USERS}/{other.id}"),
        ("GET", f"{USERS}/by-telegram/42"),
        ("GET", "/api/v1/api-keys"),
    ]:
        body = {"email": "x@example.com"} if method in {"POST", "PATCH"} else None
        response = await client.request(method, path, headers=user.headers, json=body)
        assert response.status_code == 403, (method, path)
    assert (await client.get("/api/v1/users/me", headers=other.headers)).status_code == 200


async def test_admin_lists_pages_and_filters_users(client: Client) -> None:
    root = await admin(client)
    await signup(client, "grace.hopper@example.com")
    await signup(client, "alan@example.com")
    everyone = (await client.get(USERS, headers=root.headers)).json()
    assert everyone["total"] == 3
    page = (await client.get(f"{USERS}?limit=1&offset=1", headers=root.headers)).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 1, 1, 1)
    found = (await client.get(f"{USERS}?q=HOPPER", headers=root.headers)).json()
    assert [u["email"] for u in found["items"]] == ["grace.hopper@example.com"]
    for bad in ("limit=0", "limit=101", "offset=-1"):
        assert (await client.get(f"{USERS}?{bad}", headers=root.headers)).status_code == 422, bad


async def test_admin_creates_a_bot_managed_user_found_by_telegram_id(client: Client) -> None:
    root = await admin(client)
    created = await client.post(USERS, json={"telegram_id": 777, "username": "ada_bot_user"}, headers=root.headers)
    assert created.status_code == 201
    body = created.json()
    assert body["email"] is None
    assert body["telegram_id"] == 777
    found = await client.get(f"{USERS}/by-telegram/777", headers=root.headers)
    assert found.status_code == 200
    assert found.json()["id"] == body["id"]
    assert (await client.get(f"{USERS}/by-telegram/778", headers=root.headers)).status_code == 404
    again = await client.post(USERS, json={"telegram_id": 777}, headers=root.headers)
    assert again.status_code == 409


async def test_created_user_with_a_password_can_sign_in(client: Client) -> None:
    root = await admin(client)
    response = await client.post(
        USERS, json={"email": "New@Example.com", "password": PASSWORD, "role": "admin"}, headers=root.headers
    )
    assert response.status_code == 201
    assert response.json()["role"] == "admin"
    login = await client.post("/api/v1/auth/login", json={"email": "new@example.com", "password": PASSWORD})
    assert login.status_code == 200
    dup = await client.post(USERS, json={"email": "new@example.com"}, headers=root.headers)
    assert dup.status_code == 409


async def test_create_refuses_fields_nobody_may_set_and_empty_identities(client: Client) -> None:
    root = await admin(client)
    for body, field in [
        ({"email": "a@example.com", "id": str(uuid.uuid4())}, "id"),
        ({"email": "a@example.com", "is_active": False}, "is_active"),
        ({"full_name": "nobody"}, "email"),
        ({"telegram_id": 5, "password": PASSWORD}, "password"),
    ]:
        response = await client.post(USERS, json=body, headers=root.headers)
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


async def test_admin_reads_changes_and_replaces_a_user(client: Client) -> None:
    root = await admin(client)
    user = await signup(client)
    got = await client.get(f"{USERS}/{user.id}", headers=root.headers)
    assert got.json()["email"] == user.email
    patched = await client.patch(
        f"{USERS}/{user.id}", json={"full_name": "Renamed", "timezone": "Europe/Paris"}, headers=root.headers
    )
    assert patched.status_code == 200
    assert (patched.json()["full_name"], patched.json()["timezone"]) == ("Renamed", "Europe/Paris")
    whole = {
        "email": user.email,
        "full_name": None,
        "role": "user",
        "is_active": True,
        "timezone": "UTC",
        "location": {"lat": 1.5, "lon": 2.5, "name": None},
        "telegram_id": 99,
        "username": "u99",
    }
    replaced = await client.put(f"{USERS}/{user.id}", json=whole, headers=root.headers)
    assert replaced.status_code == 200
    assert replaced.json()["telegram_id"] == 99
    assert replaced.json()["full_name"] is None
    partial = await client.put(f"{USERS}/{user.id}", json={"email": user.email}, headers=root.headers)
    assert partial.status_code == 422
    bad_zone = await client.patch(f"{USERS}/{user.id}", json={"timezone": "Mars/Olympus"}, headers=root.headers)
    assert bad_zone.status_code == 422


async def test_unknown_and_malformed_user_ids_are_404(client: Client) -> None:
    root = await admin(client)
    for target in (str(uuid.uuid4()), "nope"):
        assert (await client.get(f"{USERS}/{target}", headers=root.headers)).status_code == 404
        assert (await client.delete(f"{USERS}/{target}", headers=root.headers)).status_code == 404


async def test_role_change_and_deactivation_end_the_users_sessions_at_once(client: Client) -> None:
    root = await admin(client)
    promoted = await signup(client)
    deactivated = await signup(client)
    response = await client.patch(f"{USERS}/{promoted.id}", json={"role": "admin"}, headers=root.headers)
    assert response.status_code == 200
    assert (await client.get("/api/v1/users/me", headers=promoted.headers)).status_code == 401
    response = await client.patch(f"{USERS}/{deactivated.id}", json={"is_active": False}, headers=root.headers)
    assert response.status_code == 200
    assert (await client.get("/api/v1/users/me", headers=deactivated.headers)).status_code == 401
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": deactivated.refresh_token})
    assert refresh.status_code == 401
    login = await client.post("/api/v1/auth/login", json={"email": deactivated.email, "password": PASSWORD})
    assert login.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=root.headers)).status_code == 200


async def test_the_last_active_admin_cannot_be_demoted_deactivated_or_deleted(client: Client) -> None:
    root = await admin(client)
    target = f"{USERS}/{root.id}"
    assert (await client.patch(target, json={"role": "user"}, headers=root.headers)).status_code == 409
    assert (await client.patch(target, json={"is_active": False}, headers=root.headers)).status_code == 409
    assert (await client.delete(target, headers=root.headers)).status_code == 409
    assert (await client.delete("/api/v1/users/me", headers=root.headers)).status_code == 409
    second = await admin(client)
    assert (await client.patch(target, json={"role": "user"}, headers=second.headers)).status_code == 200


async def test_admin_deletes_a_user_and_their_tokens_die(client: Client) -> None:
    root = await admin(client)
    user = await signup(client)
    assert (await client.delete(f"{USERS}/{user.id}", headers=root.headers)).status_code == 204
    assert (await client.get("/api/v1/users/me", headers=user.headers)).status_code == 401
    assert (await client.get(f"{USERS}/{user.id}", headers=root.headers)).status_code == 404
