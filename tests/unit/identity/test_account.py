"""A person's own account: changing the password ends the other sessions, deleting it ends them all;
with the revocation store down neither happens by half."""

from __future__ import annotations

import pytest

from assistme.core.identity.account import ChangePassword, DeleteAccount
from assistme.core.identity.entities import ClientInfo, TokenPair, User
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import InvalidInput, Unavailable
from tests.unit.identity.fakes import World

PASSWORD = "a long passphrase"
NEW = "another long passphrase"


async def two_sessions(world: World) -> tuple[User, TokenPair, TokenPair]:
    user = await world.person(password=PASSWORD)
    here = await world.minter.open_session(user, ClientInfo(), world.clock.now())
    there = await world.minter.open_session(user, ClientInfo(), world.clock.now())
    return user, here, there


def change(world: World) -> ChangePassword:
    return ChangePassword(world.users, world.hasher, world.revoker)


async def test_password_change_ends_every_other_session_and_keeps_this_one() -> None:
    world = World()
    user, here, there = await two_sessions(world)
    await change(world)(Principal(user.id, session_id=here.session_id), PASSWORD, NEW)
    assert world.users.rows[user.id].password_hash == "hash:" + NEW
    assert world.revocations.revoked == {there.session_id}
    assert world.sessions.rows[here.session_id].revoked_at is None
    assert world.uow.commits == 1


async def test_wrong_current_password_changes_nothing() -> None:
    world = World()
    user, here, _ = await two_sessions(world)
    with pytest.raises(InvalidInput) as caught:
        await change(world)(Principal(user.id, session_id=here.session_id), "not it", NEW)
    assert [e.field for e in caught.value.errors] == ["current_password"]
    assert world.users.rows[user.id].password_hash == "hash:" + PASSWORD
    assert (world.revocations.revoked, world.uow.commits) == (set(), 0)


async def test_a_too_short_new_password_is_refused_naming_it() -> None:
    world = World()
    user, here, _ = await two_sessions(world)
    with pytest.raises(InvalidInput) as caught:
        await change(world)(Principal(user.id, session_id=here.session_id), PASSWORD, "short")
    assert [e.field for e in caught.value.errors] == ["new_password"]


async def test_with_the_revocation_store_down_the_password_change_commits_nothing() -> None:
    world = World()
    user, here, there = await two_sessions(world)
    world.revocations.down = True
    with pytest.raises(Unavailable):
        await change(world)(Principal(user.id, session_id=here.session_id), PASSWORD, NEW)
    assert world.uow.commits == 0  # the real unit of work then rolls the new hash back
    assert world.sessions.rows[there.session_id].revoked_at is None


async def test_deleting_the_account_ends_every_session_then_removes_it() -> None:
    world = World()
    user, here, there = await two_sessions(world)
    await DeleteAccount(world.users, world.revoker, world.uow)(Principal(user.id, session_id=here.session_id))
    assert world.revocations.revoked == {here.session_id, there.session_id}
    assert user.id not in world.users.rows


async def test_with_the_revocation_store_down_the_account_stays() -> None:
    world = World()
    user, here, _ = await two_sessions(world)
    world.revocations.down = True
    with pytest.raises(Unavailable):
        await DeleteAccount(world.users, world.revoker, world.uow)(Principal(user.id, session_id=here.session_id))
    assert user.id in world.users.rows
    assert world.uow.commits == 0
