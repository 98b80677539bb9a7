"""The sessions list and ending sessions, one or all but the current."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.accounts import login, signup

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
    assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200
    listing = (await client.get("/api/v1/sessions", headers=account.headers)).json()
    assert listing["total"] == 1


async def test_sessions_need_a_credential(client: Client) -> None:
    assert (await client.get("/api/v1/sessions")).status_code == 401
    assert (await client.delete("/api/v1/sessions")).status_code == 401
