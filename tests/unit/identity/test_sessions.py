"""A person's sessions: listed with the current one marked, ended one at a time or all but the current."""

from __future__ import annotations

import uuid

import pytest

from assistme.core.identity.entities import ClientInfo, TokenPair, User
from assistme.core.identity.principal import Principal
from assistme.core.identity.sessions import ListSessions, RevokeOtherSessions, RevokeSession
from assistme.core.shared.errors import NotFound, PermissionDenied, Unavailable
from assistme.core.shared.pagination import PageRequest
from tests.unit.identity.fakes import World

KEY = uuid.uuid4()


async def sessions_of(world: World, user: User, n: int) -> list[TokenPair]:
    pairs = []
    for i in range(n):
        pairs.append(await world.minter.open_session(user, ClientInfo(f"agent {i}", "203.0.113.9"), world.clock.now()))
        world.clock.advance(1)
    return pairs


def revoke_one(world: World) -> RevokeSession:
    return RevokeSession(world.sessions, world.revoker, world.clock)


async def test_the_list_pages_live_sessions_and_marks_the_current_one() -> None:
    world = World()
    user = await world.person()
    pairs = await sessions_of(world, user, 3)
    await world.revoker.revoke_now([pairs[0].session_id])
    await sessions_of(world, await world.person("bob@example.com"), 1)
    me = Principal(user.id, session_id=pairs[1].session_id)

    page = await ListSessions(world.sessions, world.clock)(me, PageRequest(limit=1, offset=0))
    everything = await ListSessions(world.sessions, world.clock)(me, PageRequest())
    assert (page.total, len(page.items)) == (2, 1)
    assert {v.session.id: v.is_current for v in everything.items} == {
        pairs[1].session_id: True,
        pairs[2].session_id: False,
    }


async def test_a_key_acting_as_the_user_sees_every_session_and_none_is_current() -> None:
    world = World()
    user = await world.person()
    await sessions_of(world, user, 2)
    page = await ListSessions(world.sessions, world.clock)(Principal(user.id, api_key_id=KEY), PageRequest())
    assert [v.is_current for v in page.items] == [False, False]


async def test_ending_one_session_publishes_and_commits_it() -> None:
    world = World()
    user = await world.person()
    here, there = await sessions_of(world, user, 2)
    await revoke_one(world)(Principal(user.id, session_id=here.session_id), there.session_id)
    assert world.revocations.revoked == {there.session_id}
    assert world.sessions.rows[there.session_id].revoked_at is not None
    assert world.uow.commits == 1


async def test_someone_elses_an_unknown_an_ended_or_an_expired_session_is_not_found() -> None:
    world = World()
    user = await world.person()
    (mine,) = await sessions_of(world, user, 1)
    (theirs,) = await sessions_of(world, await world.person("bob@example.com"), 1)
    ended, stale = await sessions_of(world, user, 2)
    await world.revoker.revoke_now([ended.session_id])
    world.sessions.rows[stale.session_id].expires_at = world.clock.now()
    me = Principal(user.id, session_id=mine.session_id)
    for target in (theirs.session_id, uuid.uuid4(), ended.session_id, stale.session_id):
        with pytest.raises(NotFound):
            await revoke_one(world)(me, target)
    assert world.revocations.revoked == {ended.session_id}


async def test_a_session_the_store_could_not_end_can_be_ended_on_retry() -> None:
    world = World()
    user = await world.person()
    here, there = await sessions_of(world, user, 2)
    me = Principal(user.id, session_id=here.session_id)
    world.revocations.down = True
    with pytest.raises(Unavailable):
        await revoke_one(world)(me, there.session_id)
    assert world.sessions.rows[there.session_id].revoked_at is None
    world.revocations.down = False
    await revoke_one(world)(me, there.session_id)
    assert world.revocations.revoked == {there.session_id}


async def test_ending_the_others_keeps_the_current_session() -> None:
    world = World()
    user = await world.person()
    here, *others = await sessions_of(world, user, 3)
    await RevokeOtherSessions(world.revoker)(Principal(user.id, session_id=here.session_id))
    assert world.revocations.revoked == {p.session_id for p in others}


async def test_a_key_acting_as_the_user_ends_every_session_and_a_bare_key_none() -> None:
    world = World()
    user = await world.person()
    pairs = await sessions_of(world, user, 2)
    with pytest.raises(PermissionDenied):
        await RevokeOtherSessions(world.revoker)(Principal(None, api_key_id=KEY))
    await RevokeOtherSessions(world.revoker)(Principal(user.id, api_key_id=KEY))
    assert world.revocations.revoked == {p.session_id for p in pairs}
