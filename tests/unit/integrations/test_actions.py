"""Running an action: catalog checks before anything is sent, refresh near expiry, one refresh for many callers."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from assistme.core.integrations.actions import ActionRunner
from assistme.core.integrations.entities import Connection, ConnectionStatus, Tokens
from assistme.core.integrations.errors import MissingScopes, NeedsReauth
from assistme.core.integrations.rotation import RotateKeys
from assistme.core.integrations.tokens import LiveTokens
from assistme.core.shared.errors import InvalidInput, Unavailable
from tests.unit.integrations.fakes import (
    READ,
    WRITE,
    Checker,
    Clock,
    Connections,
    Events,
    Keyring,
    Locks,
    OAuth,
    Provider,
    Providers,
    Uow,
)


@dataclass
class World:
    clock: Clock
    connections: Connections
    oauth: OAuth
    provider: Provider
    run: ActionRunner
    events: Events

    def connect(self, *, expires_in: timedelta, scopes: tuple[str, ...] = (READ, WRITE)) -> Connection:
        connection = Connection(
            id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            provider="mail",
            status=ConnectionStatus.ACTIVE,
            scopes=scopes,
            sealed=None,
            expires_at=self.clock.now() + expires_in,
            connected_at=self.clock.now(),
        )
        connection.sealed = Keyring().seal(Tokens("access-0", "refresh-0"), connection.binding)
        self.connections.rows[connection.id] = connection
        return connection

    def stored(self, connection: Connection) -> Connection:
        return self.connections.rows[connection.id]


@pytest.fixture
def world() -> World:
    clock, connections, uow = Clock(), Connections(), Uow()
    oauth, provider = OAuth(clock), Provider()
    events = Events()
    tokens = LiveTokens(connections, Keyring(), oauth, Locks(), events, uow, clock)
    runner = ActionRunner(Providers(provider), Checker(), tokens, uow)
    return World(clock, connections, oauth, provider, runner, events)


async def test_a_fresh_token_is_used_as_it_is(world: World) -> None:
    connection = world.connect(expires_in=timedelta(hours=1))
    assert await world.run(connection, "count", {}) == {"token_used": "access-0"}
    assert world.oauth.refreshes == 0


async def test_a_token_within_five_minutes_of_expiry_is_refreshed_first(world: World) -> None:
    connection = world.connect(expires_in=timedelta(minutes=4))
    assert await world.run(connection, "count", {}) == {"token_used": "access-r1"}
    stored = world.stored(connection)
    assert Keyring().open(stored.sealed or "", stored.binding) == Tokens("access-r1", "refresh-0")
    assert stored.last_refreshed_at == world.clock.now()
    assert stored.expires_at == world.clock.now() + timedelta(hours=1)


async def test_a_new_refresh_token_replaces_the_old_one(world: World) -> None:
    world.oauth.rotate = True
    connection = world.connect(expires_in=timedelta(0))
    await world.run(connection, "count", {})
    stored = world.stored(connection)
    assert Keyring().open(stored.sealed or "", stored.binding).refresh_token == "refresh-r1"


async def test_concurrent_actions_on_an_expiring_connection_refresh_once(world: World) -> None:
    world.oauth.pause = 0.05
    connection = world.connect(expires_in=timedelta(seconds=10))
    answers = await asyncio.gather(*(world.run(connection, "count", {}) for _ in range(5)))
    assert world.oauth.refreshes == 1
    assert answers == [{"token_used": "access-r1"}] * 5


async def test_a_refused_token_is_refreshed_and_the_call_repeated_once(world: World) -> None:
    world.provider.refuse = {"access-0"}
    connection = world.connect(expires_in=timedelta(hours=1))
    assert await world.run(connection, "count", {}) == {"token_used": "access-r1"}
    world.provider.refuse = {"access-r1", "access-r2"}
    with pytest.raises(Unavailable):
        await world.run(world.stored(connection), "count", {})
    assert world.oauth.refreshes == 2  # once per call, never in a loop


async def test_invalid_grant_marks_the_connection_and_keeps_no_dead_tokens(world: World) -> None:
    world.oauth.dead = True
    connection = world.connect(expires_in=timedelta(0))
    with pytest.raises(NeedsReauth) as refused:
        await world.run(connection, "count", {})
    assert refused.value.extensions == {"reconnect_url": "/api/v1/integrations/mail/connect"}
    stored = world.stored(connection)
    assert stored.status is ConnectionStatus.NEEDS_REAUTH
    assert stored.sealed is None
    assert stored.expires_at is None
    assert stored.last_error == "invalid_grant: Token has been expired or revoked."
    assert world.events.emitted == [
        (
            connection.user_id,
            "integration.needs_reauth",
            {"connection_id": str(connection.id), "provider": "mail", "error": stored.last_error},
        )
    ]
    with pytest.raises(NeedsReauth):
        await world.run(stored, "count", {})
    assert world.provider.calls == []


async def test_unknown_actions_and_bad_params_are_refused_before_anything_is_sent(world: World) -> None:
    connection = world.connect(expires_in=timedelta(hours=1))
    with pytest.raises(InvalidInput) as unknown:
        await world.run(connection, "delete_everything", {})
    assert unknown.value.errors[0].field == "action"
    with pytest.raises(InvalidInput) as bad:
        await world.run(connection, "send", {"cc": "x"})
    assert [e.field for e in bad.value.errors] == ["params", "params.cc"]
    with pytest.raises(InvalidInput) as in_body:
        await world.run(connection, "send", {}, within="")
    assert [e.field for e in in_body.value.errors] == ["body"]
    assert world.provider.calls == []


async def test_an_action_whose_scopes_were_not_granted_is_403_naming_them(world: World) -> None:
    connection = world.connect(expires_in=timedelta(hours=1), scopes=(READ,))
    with pytest.raises(MissingScopes) as refused:
        await world.run(connection, "send", {"to": "a@example.com"})
    assert refused.value.missing_scopes == [WRITE]
    assert refused.value.extensions["reconnect_url"] == "/api/v1/integrations/mail/connect"
    assert world.provider.calls == []


async def test_rotation_reseals_every_connection_and_counts_those_it_cannot_open(world: World) -> None:
    good = world.connect(expires_in=timedelta(hours=1))
    foreign = world.connect(expires_in=timedelta(hours=1))
    foreign.sealed = good.sealed  # copied from another row
    gone = world.connect(expires_in=timedelta(hours=1))
    gone.sealed = None
    rotation = await RotateKeys(world.connections, Keyring(), Uow())()
    assert (rotation.resealed, rotation.failed) == (1, 1)
