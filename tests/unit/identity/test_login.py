"""Login: the same answer for every bad attempt, throttled per email and per address."""

from __future__ import annotations

import pytest

from assistme.core.identity.entities import ClientInfo
from assistme.core.identity.login import Login, LoginAttempt
from assistme.core.shared.errors import RateLimited, Unauthenticated
from tests.unit.identity.fakes import FakeHasher, World

PASSWORD = "a long passphrase"


def login(world: World) -> Login:
    return Login(world.users, world.uow, world.hasher, world.minter, world.throttle, world.clock, world.policy)


def attempt(email: str, password: str = PASSWORD, ip: str = "203.0.113.7") -> LoginAttempt:
    return LoginAttempt(email, password, ClientInfo("test", ip))


async def test_right_password_opens_a_session_and_commits() -> None:
    world = World()
    user = await world.person()
    pair = await login(world)(attempt(" ADA@example.com "))
    assert world.sessions.rows[pair.session_id].user_id == user.id
    assert pair.refresh_token.startswith("rt_")
    assert world.uow.commits == 1


async def test_unknown_email_wrong_password_and_inactive_account_answer_alike_after_a_hash() -> None:
    world = World()
    await world.person()
    await world.person("off@example.com", is_active=False)
    messages = []
    for email, password in [
        ("nobody@example.com", PASSWORD),
        ("ada@example.com", "wrong"),
        ("off@example.com", PASSWORD),
    ]:
        before = world.hasher.verified
        with pytest.raises(Unauthenticated) as caught:
            await login(world)(attempt(email, password))
        assert world.hasher.verified == before + 1
        messages.append(caught.value.detail)
    assert len(set(messages)) == 1
    assert world.sessions.rows == {}


async def test_failures_lock_an_email_even_one_without_an_account() -> None:
    world = World()
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            await login(world)(attempt("ghost@example.com", ip=f"198.51.100.{_}"))
    with pytest.raises(RateLimited):
        await login(world)(attempt("GHOST@example.com", ip="192.0.2.1"))


async def test_failures_lock_an_address_across_emails() -> None:
    world = World()
    await world.person()
    for n in range(20):
        with pytest.raises(Unauthenticated):
            await login(world)(attempt(f"x{n}@example.com"))
    with pytest.raises(RateLimited):
        await login(world)(attempt("ada@example.com"))


async def test_success_forgets_earlier_failures_of_the_email() -> None:
    world = World()
    await world.person()
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await login(world)(attempt("ada@example.com", "wrong"))
    await login(world)(attempt("ada@example.com"))
    with pytest.raises(Unauthenticated):
        await login(world)(attempt("ada@example.com", "wrong"))
    await login(world)(attempt("ada@example.com"))


async def test_outdated_hash_is_replaced_at_login() -> None:
    world = World(hasher=FakeHasher(outdated=True))
    await world.person()
    before = world.hasher.hashed
    await login(world)(attempt("ada@example.com"))
    assert world.hasher.hashed == before + 1


async def test_current_hash_is_left_alone() -> None:
    world = World()
    await world.person()
    before = world.hasher.hashed
    await login(world)(attempt("ada@example.com"))
    assert world.hasher.hashed == before
