"""Every way a session ends takes effect for the very next request; refresh rotation resists theft and races."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from uuid import UUID

import msgspec
import pytest
from dishka import Provider
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.identity.entities import Role
from assistme.core.identity.ports import SessionRevocations
from assistme.core.shared.errors import Unavailable
from tests.support.accounts import PASSWORD, Account, login, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider

Client = AsyncTestClient[Litestar]
NEW_PASSWORD = "a brand new passphrase"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_password_change_ends_every_other_session_and_the_old_password(client: Client) -> None:
    account = await signup(client)
    other = await login(client, account.email)
    response = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert response.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(other["access_token"]))).status_code == 401
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200
    old = await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert old.status_code == 401
    assert (await login(client, account.email, NEW_PASSWORD))["access_token"]


async def test_password_change_needs_the_current_password(client: Client) -> None:
    account = await signup(client)
    response = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
        headers=account.headers,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["current_password"]
    assert (await login(client, account.email))["access_token"]


async def test_deleting_the_account_kills_every_token_and_frees_the_email(client: Client) -> None:
    root = await signup(client, role=Role.ADMIN)
    account = await signup(client)
    other = await login(client, account.email)
    assert (await client.delete("/api/v1/users/me", headers=account.headers)).status_code == 204
    assert (await client.get(f"/api/v1/users/{account.id}", headers=root.headers)).status_code == 404
    for access in (account.access_token, other["access_token"]):
        assert (await client.get("/api/v1/users/me", headers=bearer(access))).status_code == 401
    refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    gone = await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert gone.status_code == 401
    again = await client.post("/api/v1/auth/register", json={"email": account.email, "password": PASSWORD})
    assert again.status_code == 201


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(("past_grace", "session_survives"), [(-5, True), (5, False)])
async def test_spent_refresh_token_replayed_after_the_grace_period_revokes_the_session(
    settings: Settings, past_grace: int, session_survives: bool
) -> None:
    """Within the grace period (tabs racing) a replay only fails; after it, the session is taken as stolen."""
    clock = MovableClock()
    async with running(settings, clock_provider(clock)) as client:
        account = await signup(client)
        newer = (await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})).json()

        clock.advance(settings.refresh_reuse_grace + past_grace)
        replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
        assert replay.status_code == 401

        expected = 200 if session_survives else 401
        assert (await client.get("/api/v1/users/me", headers=bearer(newer["access_token"]))).status_code == expected
        rotated = await client.post("/api/v1/auth/refresh", json={"refresh_token": newer["refresh_token"]})
        assert rotated.status_code == expected
        # other sessions of the same person are untouched either way
        assert (await login(client, account.email))["access_token"]


@pytest.mark.usefixtures("app")
async def test_twenty_concurrent_refreshes_yield_exactly_one_new_pair(settings: Settings) -> None:
    async with running(msgspec.structs.replace(settings, rate_limit_auth="100/minute")) as client:
        await _race(client)


async def _race(client: Client) -> None:
    account = await signup(client)
    responses = await asyncio.gather(
        *(client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token}) for _ in range(20))
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 401: 19}
    winner = next(r.json() for r in responses if r.status_code == 200)
    # the losers raced within the grace period: the session lives on
    assert (await client.get("/api/v1/users/me", headers=bearer(winner["access_token"]))).status_code == 200
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": winner["refresh_token"]})
    ).status_code == 200


async def test_a_logged_out_session_cannot_log_out_again(client: Client) -> None:
    account = await signup(client)
    assert (await client.post("/api/v1/auth/logout", headers=account.headers)).status_code == 204
    assert (await client.post("/api/v1/auth/logout", headers=account.headers)).status_code == 401


@pytest.mark.usefixtures("app")
async def test_logout_on_one_api_process_is_seen_by_another_at_once(settings: Settings) -> None:
    if settings.redis_url is None:
        pytest.skip("the embedded setup is one process")
    async with running(settings) as first, running(settings) as second:
        account = await signup(first)
        assert (await second.get("/api/v1/users/me", headers=account.headers)).status_code == 200
        assert (await first.post("/api/v1/auth/logout", headers=account.headers)).status_code == 204
        assert (await second.get("/api/v1/users/me", headers=account.headers)).status_code == 401


async def test_an_unreachable_session_store_is_503_with_retry_after_never_401(
    client: Client, settings: Settings
) -> None:
    if settings.redis_url is None:
        pytest.skip("the embedded setup keeps revocations in its own memory")
    account = await signup(client)
    # rate limits off: the session store is the only use of Redis left on these routes
    down = msgspec.structs.replace(settings, redis_url="redis://127.0.0.1:1/0", rate_limit_enabled=False)
    async with running(down) as blip:
        answers = [
            await blip.get("/api/v1/users/me", headers=account.headers),
            await blip.get("/api/v1/sessions", headers=account.headers),
            await blip.delete("/api/v1/sessions", headers=account.headers),
            await blip.post("/api/v1/auth/logout", headers=account.headers),
        ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) >= 1
        assert answer.headers["content-type"].startswith("application/problem+json")
    # nothing was thrown away: once the store answers again the same tokens work
    assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200


class FlakyRevocations:
    """The app's own revocation store, whose next write fails once when a test says so (Redis blipping)."""

    def __init__(self) -> None:
        self.fail_next = False
        self._store: SessionRevocations | None = None

    def provider(self) -> Provider:
        def wrap(store: SessionRevocations) -> SessionRevocations:
            self._store = store
            return self

        provider = Provider()
        provider.decorate(wrap)
        return provider

    async def revoke(self, session_ids: Iterable[UUID]) -> None:
        assert self._store is not None
        if self.fail_next:
            self.fail_next = False
            raise Unavailable("the session store is unreachable")
        await self._store.revoke(session_ids)

    async def is_revoked(self, session_id: UUID) -> bool:
        assert self._store is not None
        return await self._store.is_revoked(session_id)


Ending = Callable[[Client, Account, dict[str, Any]], Awaitable[Response]]


async def _end_other_by_id(client: Client, account: Account, other: dict[str, Any]) -> Response:
    items = (await client.get("/api/v1/sessions", headers=bearer(other["access_token"]))).json()["items"]
    target = next(s["id"] for s in items if s["is_current"])
    return await client.delete(f"/api/v1/sessions/{target}", headers=account.headers)


async def _change_password(client: Client, account: Account, other: dict[str, Any]) -> Response:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    return await client.post("/api/v1/users/me/password", json=body, headers=account.headers)


async def _logout_other(client: Client, account: Account, other: dict[str, Any]) -> Response:
    return await client.post("/api/v1/auth/logout", headers=bearer(other["access_token"]))


async def _end_all_others(client: Client, account: Account, other: dict[str, Any]) -> Response:
    return await client.delete("/api/v1/sessions", headers=account.headers)


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(
    "end", [_logout_other, _end_other_by_id, _end_all_others, _change_password], ids=lambda f: f.__name__.strip("_")
)
async def test_a_revocation_the_store_refused_changes_nothing_and_a_retry_completes_it(
    settings: Settings, end: Ending
) -> None:
    """A client told 503 retries: the retry must end the session, not answer 404 or 422 over a half-done first try."""
    store = FlakyRevocations()
    async with running(settings, store.provider()) as client:
        account = await signup(client)
        other = await login(client, account.email)
        store.fail_next = True
        refused = await end(client, account, other)
        assert refused.status_code == 503, refused.text
        assert (await client.get("/api/v1/users/me", headers=bearer(other["access_token"]))).status_code == 200

        assert (await end(client, account, other)).status_code == 204
        assert (await client.get("/api/v1/users/me", headers=bearer(other["access_token"]))).status_code == 401
        refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
        assert refresh.status_code == 401
