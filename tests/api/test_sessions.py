"""The sessions list and ending sessions, one or all but the current."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import key_headers, login, make_key, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider

Client = AsyncTestClient[Litestar]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_sessions_list_shows_each_login_and_marks_the_current_one(client: Client) -> None:
    account = await signup(client)
    other = await login(client, account.email)
    response = await client.get("/api/v1/sessions", headers={**account.headers, "User-Agent": "phone/1.0"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert body["limit"] == 20
    assert body["offset"] == 0
    assert [s["is_current"] for s in body["items"]].count(True) == 1
    assert {"id", "created_at", "last_used_at", "user_agent", "ip", "is_current"} <= body["items"][0].keys()
    assert not any("token" in key for key in body["items"][0])
    from_other = await client.get("/api/v1/sessions", headers=bearer(other["access_token"]))
    current = [s["id"] for s in from_other.json()["items"] if s["is_current"]]
    assert current != [s["id"] for s in body["items"] if s["is_current"]]


async def test_sessions_list_pages_and_refuses_a_bad_limit(client: Client) -> None:
    account = await signup(client)
    await login(client, account.email)
    page = await client.get("/api/v1/sessions?limit=1&offset=1", headers=account.headers)
    assert page.status_code == 200
    assert page.json()["total"] == 2
    assert len(page.json()["items"]) == 1
    for bad in ("limit=0", "limit=101", "offset=-1"):
        assert (await client.get(f"/api/v1/sessions?{bad}", headers=account.headers)).status_code == 422, bad


async def test_ending_one_session_kills_its_tokens_at_once(client: Client) -> None:
    account = await signup(client)
    other = await login(client, account.email)
    listing = (await client.get("/api/v1/sessions", headers=account.headers)).json()["items"]
    target = next(s["id"] for s in listing if not s["is_current"])
    assert (await client.delete(f"/api/v1/sessions/{target}", headers=account.headers)).status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(other["access_token"]))).status_code == 401
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200


async def test_another_users_session_is_404_and_stays_alive(client: Client) -> None:
    alice = await signup(client)
    bob = await signup(client)
    bobs = (await client.get("/api/v1/sessions", headers=bob.headers)).json()["items"][0]["id"]
    for target in (bobs, str(uuid.uuid4()), "not-an-id"):
        response = await client.delete(f"/api/v1/sessions/{target}", headers=alice.headers)
        assert response.status_code == 404, target
    assert (await client.get("/api/v1/users/me", headers=bob.headers)).status_code == 200


async def test_ending_all_other_sessions_keeps_the_current_one(client: Client) -> None:
    account = await signup(client)
    others = [await login(client, account.email) for _ in range(2)]
    assert (await client.delete("/api/v1/sessions", headers=account.headers)).status_code == 204
    for pair in others:
        assert (await client.get("/api/v1/users/me", headers=bearer(pair["access_token"]))).status_code == 401
        refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refresh.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200
    listing = (await client.get("/api/v1/sessions", headers=account.headers)).json()
    assert listing["total"] == 1
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})).status_code == 200


async def test_ending_the_current_session_by_id_signs_the_caller_out(client: Client) -> None:
    account = await signup(client)
    (mine,) = (await client.get("/api/v1/sessions", headers=account.headers)).json()["items"]
    assert (await client.delete(f"/api/v1/sessions/{mine['id']}", headers=account.headers)).status_code == 204
    assert (await client.get("/api/v1/sessions", headers=account.headers)).status_code == 401
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refresh.status_code == 401


async def test_an_ended_session_is_gone_from_the_list_and_cannot_be_ended_twice(client: Client) -> None:
    account = await signup(client)
    await login(client, account.email)
    listing = (await client.get("/api/v1/sessions", headers=account.headers)).json()["items"]
    target = next(s["id"] for s in listing if not s["is_current"])
    assert (await client.delete(f"/api/v1/sessions/{target}", headers=account.headers)).status_code == 204
    assert (await client.delete(f"/api/v1/sessions/{target}", headers=account.headers)).status_code == 404
    remaining = (await client.get("/api/v1/sessions", headers=account.headers)).json()["items"]
    assert [s["id"] for s in remaining if s["id"] == target] == []


@pytest.mark.usefixtures("app")
async def test_a_session_shows_the_device_it_signed_in_from_and_when_it_was_last_refreshed(settings: Settings) -> None:
    clock = MovableClock()
    async with running(settings, clock_provider(clock)) as client:
        account = await signup(client)
        phone = await client.post(
            "/api/v1/auth/login",
            json={"email": account.email, "password": account.password},
            headers={"User-Agent": "assistme-phone/2.1"},
        )
        clock.advance(90)
        await client.post("/api/v1/auth/refresh", json={"refresh_token": phone.json()["refresh_token"]})
        items = (await client.get("/api/v1/sessions", headers=account.headers)).json()["items"]
    (seen,) = [s for s in items if s["user_agent"] == "assistme-phone/2.1"]
    (other,) = [s for s in items if s is not seen]
    assert seen["ip"]
    assert _instant(seen["last_used_at"]) - _instant(seen["created_at"]) >= timedelta(seconds=89)
    assert other["last_used_at"] == other["created_at"]


def _instant(value: str) -> datetime:
    assert value.endswith("Z")
    return datetime.fromisoformat(value)


async def test_a_key_acting_as_a_user_lists_their_sessions_and_ends_them_all(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    key = await make_key(client, root, "act_as")
    user = await signup(client)
    phone = await login(client, user.email)
    as_user = key_headers(key, act_as=user.id)
    listing = await client.get("/api/v1/sessions", headers=as_user)
    assert listing.status_code == 200
    assert (listing.json()["total"], {s["is_current"] for s in listing.json()["items"]}) == (2, {False})
    assert (await client.delete("/api/v1/sessions", headers=as_user)).status_code == 204
    for access, refresh in [(user.access_token, user.refresh_token), (phone["access_token"], phone["refresh_token"])]:
        assert (await client.get("/api/v1/users/me", headers=bearer(access))).status_code == 401
        assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})).status_code == 401
    assert (await client.get("/api/v1/sessions", headers=as_user)).json()["total"] == 0
    assert (await client.get("/api/v1/sessions", headers=key_headers(key))).status_code == 403


async def test_sessions_need_a_credential(client: Client) -> None:
    assert (await client.get("/api/v1/sessions")).status_code == 401
    assert (await client.delete("/api/v1/sessions")).status_code == 401
