"""Registering, signing in, refreshing and signing out, through the HTTP API."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.accounts import PASSWORD, login, signup

Client = AsyncTestClient[Litestar]


async def test_register_answers_the_user_without_secrets(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": "Ada@Example.com ", "password": PASSWORD, "full_name": "Ada"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["full_name"] == "Ada"
    assert body["role"] == "user"
    assert uuid.UUID(body["id"]).version == 7
    assert body["created_at"].endswith("Z")
    assert not {"password", "password_hash"} & body.keys()


async def test_duplicate_email_is_409_whatever_its_case(client: Client) -> None:
    await signup(client, "dup@example.com")
    response = await client.post("/api/v1/auth/register", json={"email": "DUP@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_short_long_password_and_bad_email_are_422_naming_the_field(client: Client) -> None:
    for body, field in [
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
    ]:
        response = await client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_login_answers_a_bearer_pair_that_is_not_cached(client: Client) -> None:
    account = await signup(client)
    response = await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["access_token"]
    assert body["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == account.email


async def test_wrong_password_and_unknown_email_answer_the_same_401(client: Client) -> None:
    account = await signup(client)
    wrong = await client.post("/api/v1/auth/login", json={"email": account.email, "password": "wrong password"})
    unknown = await client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_refresh_rotates_and_spends_the_old_token(client: Client) -> None:
    account = await signup(client)
    first = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    new = first.json()
    assert new["refresh_token"] != account.refresh_token
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert again.status_code == 401
    # within the grace period a replay revokes nothing: the new pair still works
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {new['access_token']}"})
    assert me.status_code == 200


async def test_logout_ends_access_and_refresh_at_once(client: Client) -> None:
    account = await signup(client)
    response = await client.post("/api/v1/auth/logout", headers=account.headers)
    assert response.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 401
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refresh.status_code == 401


async def test_token_form_signs_in_for_the_docs_page(client: Client) -> None:
    account = await signup(client)
    response = await client.post(
        "/api/v1/auth/token", data={"username": account.email, "password": PASSWORD, "grant_type": "password"}
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    assert (await login(client, account.email))["access_token"]
