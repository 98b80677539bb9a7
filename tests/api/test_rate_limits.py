"""Rate limits: per principal, per address otherwise, stricter on sign-in, failed logins locked out; 429 with
Retry-After; X-Forwarded-For believed only from a trusted proxy; shared across processes through Redis."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from httpx import Response

from assistme.config import Settings
from tests.support.accounts import PASSWORD, signup
from tests.support.apps import BASE_URL, TEST_CLIENT_PEER, Client, build, running

pytestmark = pytest.mark.usefixtures("app")  # empties the database and the Redis counters after each test

PROXY = "127.0.0.1"


def limited(settings: Settings, **changes: Any) -> Settings:
    return msgspec.structs.replace(settings, trusted_proxies=[PROXY], **changes)


def assert_throttled(response: Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith("application/problem+json")


def via(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_a_signed_in_caller_gets_429_past_the_default_limit(settings: Settings) -> None:
    async with running(limited(settings, rate_limit_default="3/minute")) as client:
        account = await signup(client)
        for _ in range(3):
            assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200
        assert_throttled(await client.get("/api/v1/users/me", headers=account.headers))


async def test_signed_in_callers_are_counted_apart_even_from_one_address(settings: Settings) -> None:
    async with running(limited(settings, rate_limit_default="3/minute")) as client:
        ada, bob = await signup(client), await signup(client)
        for _ in range(3):
            await client.get("/api/v1/users/me", headers=ada.headers)
        assert_throttled(await client.get("/api/v1/users/me", headers=ada.headers))
        assert (await client.get("/api/v1/users/me", headers=bob.headers)).status_code == 200


async def test_callers_without_a_valid_token_are_counted_per_address(settings: Settings) -> None:
    async with running(limited(settings, rate_limit_default="3/minute"), peer=PROXY) as client:
        for token in ("none", "garbage", "still-garbage"):
            headers = {**via("203.0.113.7"), "Authorization": f"Bearer {token}"}
            assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 401
        assert_throttled(await client.get("/api/v1/users/me", headers=via("203.0.113.7")))
        assert (await client.get("/api/v1/users/me", headers=via("203.0.113.8"))).status_code == 401


async def test_sign_in_routes_share_a_stricter_limit_per_address(settings: Settings) -> None:
    async with running(limited(settings, rate_limit_default="100/minute", rate_limit_auth="3/minute")) as client:
        account = await signup(client)  # register and login: two of the three
        refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
        assert refreshed.status_code == 200
        assert_throttled(await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD}))
        assert_throttled(await client.post("/api/v1/auth/register", json={"email": "x@example.com"}))
        # the default limit, per principal, is untouched
        assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200


async def test_forwarded_for_is_believed_from_a_trusted_proxy(settings: Settings) -> None:
    async with running(limited(settings, rate_limit_auth="2/minute"), peer=PROXY) as client:
        for _ in range(2):
            await client.post("/api/v1/auth/register", json={}, headers=via("198.51.100.1"))
        assert_throttled(await client.post("/api/v1/auth/register", json={}, headers=via("198.51.100.1")))
        fresh = await client.post("/api/v1/auth/register", json={}, headers=via("198.51.100.2"))
        assert fresh.status_code == 422


async def test_hops_a_client_added_before_the_trusted_proxy_are_ignored(settings: Settings) -> None:
    async with running(limited(settings, rate_limit_auth="2/minute"), peer=PROXY) as client:
        for spoofed in ("10.0.0.1", "10.0.0.2"):
            await client.post("/api/v1/auth/register", json={}, headers=via(f"{spoofed}, 198.51.100.9"))
        response = await client.post("/api/v1/auth/register", json={}, headers=via("10.0.0.3, 198.51.100.9"))
        assert_throttled(response)


@pytest.mark.parametrize("peer", ["192.0.2.50", TEST_CLIENT_PEER])
async def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings: Settings, peer: str) -> None:
    async with running(limited(settings, rate_limit_auth="2/minute"), peer=peer) as client:
        for address in ("198.51.100.1", "198.51.100.2"):
            await client.post("/api/v1/auth/register", json={}, headers=via(address))
        assert_throttled(await client.post("/api/v1/auth/register", json={}, headers=via("198.51.100.3")))


async def test_five_failed_logins_lock_the_email_even_for_the_right_password(settings: Settings) -> None:
    async with running(limited(settings), peer=PROXY) as client:
        account = await signup(client)
        spellings = [account.email, account.email.upper(), f"  {account.email} ", account.email, account.email.upper()]
        for spelling in spellings:  # one normalised email, five failures
            wrong = await client.post("/api/v1/auth/login", json={"email": spelling, "password": "wrong password"})
            assert wrong.status_code == 401
        # another address, the right password: the email itself is locked
        right = {"email": account.email, "password": PASSWORD}
        assert_throttled(await client.post("/api/v1/auth/login", json=right, headers=via("198.51.100.77")))


async def test_an_email_without_an_account_is_locked_the_same_way(settings: Settings) -> None:
    async with running(limited(settings)) as client:
        attempt = {"email": "nobody@example.com", "password": "guess"}
        answers = [await client.post("/api/v1/auth/login", json=attempt) for _ in range(5)]
        assert [a.status_code for a in answers] == [401] * 5
        locked = await client.post("/api/v1/auth/login", json=attempt)
        assert_throttled(locked)


async def test_failed_logins_are_also_counted_per_address(settings: Settings) -> None:
    async with running(limited(settings, login_failures_per_address="3/15minutes"), peer=PROXY) as client:
        account = await signup(client)
        for n in range(3):
            attempt = {"email": f"guess{n}@example.com", "password": "guess"}
            assert (
                await client.post("/api/v1/auth/login", json=attempt, headers=via("203.0.113.9"))
            ).status_code == 401
        right = {"email": account.email, "password": PASSWORD}
        assert_throttled(await client.post("/api/v1/auth/login", json=right, headers=via("203.0.113.9")))
        assert (await client.post("/api/v1/auth/login", json=right, headers=via("203.0.113.10"))).status_code == 200


async def test_turning_rate_limits_off_lets_every_request_through(settings: Settings) -> None:
    off = limited(settings, rate_limit_enabled=False, rate_limit_default="1/minute", rate_limit_auth="1/minute")
    async with running(off) as client:
        account = await signup(client)
        statuses = {(await client.get("/api/v1/users/me", headers=account.headers)).status_code for _ in range(5)}
        statuses |= {(await client.get("/api/v1/users/me")).status_code for _ in range(5)}
        assert statuses == {200, 401}


async def test_an_unreachable_counter_store_is_503_with_retry_after_never_401(
    client: Client, settings: Settings
) -> None:
    if settings.embedded:
        pytest.skip("the embedded setup keeps its counters in memory")
    account = await signup(client)
    async with running(msgspec.structs.replace(settings, redis_url="redis://127.0.0.1:1/0")) as down:
        answers = [
            await down.get("/api/v1/users/me", headers=account.headers),
            await down.get("/api/v1/users/me"),
            await down.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD}),
        ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) >= 1


async def test_served_processes_share_one_count(settings: Settings) -> None:
    if settings.embedded:
        pytest.skip("the embedded setup is one process: its counters live in its memory")
    shared = limited(settings, rate_limit_default="3/minute")
    async with Client(build(shared), base_url=BASE_URL) as one, Client(build(shared), base_url=BASE_URL) as two:
        account = await signup(one)
        for client in (one, two, one):
            assert (await client.get("/api/v1/users/me", headers=account.headers)).status_code == 200
        assert_throttled(await two.get("/api/v1/users/me", headers=account.headers))
