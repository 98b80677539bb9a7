"""Refresh: rotation, the grace period for racing tabs, and reuse detection after it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistme.core.identity.entities import ClientInfo, TokenPair
from assistme.core.identity.refresh import RefreshSession
from assistme.core.shared.errors import Unauthenticated, Unavailable
from tests.unit.identity.fakes import World


def refresh(world: World) -> RefreshSession:
    return RefreshSession(
        world.users,
        world.sessions,
        world.refresh_tokens,
        world.digest,
        world.minter,
        world.revoker,
        world.uow,
        world.clock,
        world.policy,
    )


async def signed_in(world: World) -> TokenPair:
    user = await world.person()
    return await world.minter.open_session(user, ClientInfo(), world.clock.now())


async def test_refresh_rotates_the_token_and_keeps_the_session() -> None:
    world = World()
    first = await signed_in(world)
    second = await refresh(world)(first.refresh_token)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    with pytest.raises(Unauthenticated):
        await refresh(world)(first.refresh_token)


async def test_replay_within_the_grace_period_revokes_nothing() -> None:
    world = World()
    first = await signed_in(world)
    second = await refresh(world)(first.refresh_token)
    world.clock.advance(world.policy.refresh_reuse_grace)
    with pytest.raises(Unauthenticated):
        await refresh(world)(first.refresh_token)
    assert world.revocations.revoked == set()
    await refresh(world)(second.refresh_token)


async def test_replay_after_the_grace_period_revokes_the_whole_session() -> None:
    world = World()
    first = await signed_in(world)
    second = await refresh(world)(first.refresh_token)
    world.clock.advance(world.policy.refresh_reuse_grace + 1)
    with pytest.raises(Unauthenticated):
        await refresh(world)(first.refresh_token)
    assert world.revocations.revoked == {first.session_id}
    with pytest.raises(Unauthenticated):
        await refresh(world)(second.refresh_token)


async def test_expired_token_and_deactivated_user_are_refused() -> None:
    world = World()
    first = await signed_in(world)
    world.clock.advance(world.policy.refresh_token_ttl + 1)
    with pytest.raises(Unauthenticated):
        await refresh(world)(first.refresh_token)

    world = World()
    pair = await signed_in(world)
    user = next(iter(world.users.rows.values()))
    user.is_active = False
    with pytest.raises(Unauthenticated):
        await refresh(world)(pair.refresh_token)
    assert world.uow.rollbacks >= 1


async def test_unknown_token_is_refused() -> None:
    with pytest.raises(Unauthenticated):
        await refresh(World())("rt_never-issued")


async def test_an_ended_or_expired_session_refuses_its_unspent_token() -> None:
    for end in ("revoked", "expired"):
        world = World()
        pair = await signed_in(world)
        session = world.sessions.rows[pair.session_id]
        if end == "revoked":
            await world.revoker.revoke_now([pair.session_id])
        else:
            session.expires_at = world.clock.now()
        with pytest.raises(Unauthenticated):
            await refresh(world)(pair.refresh_token)
        assert world.uow.rollbacks >= 1, end


async def test_the_last_used_time_moves_with_each_refresh() -> None:
    world = World()
    first = await signed_in(world)
    world.clock.advance(600)
    await refresh(world)(first.refresh_token)
    session = world.sessions.rows[first.session_id]
    assert session.last_used_at == world.clock.now() > session.created_at
    assert session.expires_at == world.clock.now() + timedelta(seconds=world.policy.refresh_token_ttl)


async def test_a_replay_the_store_could_not_take_revokes_nothing_by_half_and_counts_when_retried() -> None:
    world = World()
    first = await signed_in(world)
    second = await refresh(world)(first.refresh_token)
    world.clock.advance(world.policy.refresh_reuse_grace + 1)
    world.revocations.down = True
    with pytest.raises(Unavailable):
        await refresh(world)(first.refresh_token)
    assert world.sessions.rows[first.session_id].revoked_at is None
    world.revocations.down = False
    with pytest.raises(Unauthenticated):
        await refresh(world)(first.refresh_token)
    assert world.revocations.revoked == {first.session_id}
    with pytest.raises(Unauthenticated):
        await refresh(world)(second.refresh_token)
