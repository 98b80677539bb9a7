"""The consent round trip: single-use states, the allow-list, and what reaches the return address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from assistme.core.identity.principal import Principal
from assistme.core.integrations.authorize import CompleteConnect, StartConnect
from assistme.core.integrations.entities import ConnectionStatus, Tokens
from assistme.core.integrations.policy import IntegrationsPolicy
from assistme.core.shared.errors import BadRequest, InvalidInput, NotFound, Unavailable
from assistme.core.shared.returns import AllowedReturn, ReturnAllowList
from tests.unit.identity.fakes import FakeThrottle
from tests.unit.integrations.fakes import (
    READ,
    WRITE,
    Authorizations,
    Clock,
    Connections,
    Events,
    Keyring,
    OAuth,
    Providers,
    Uow,
)

RETURN = "https://app.example.com/settings?tab=integrations"


class Digest:
    def __init__(self) -> None:
        self.count = 0

    def new_secret(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}secret{self.count}"

    def digest(self, secret: str) -> str:
        return f"digest({secret})"


@dataclass
class Flow:
    clock: Clock
    pending: Authorizations
    connections: Connections
    start: StartConnect
    complete: CompleteConnect
    user: Principal

    async def consent(self) -> str:
        url = await self.start(self.user, "mail", RETURN)
        return parse_qs(urlsplit(url).query)["state"][0]


def flow(configured: bool = True) -> Flow:
    clock, pending, connections, digest = Clock(), Authorizations(), Connections(), Digest()
    returns = ReturnAllowList((AllowedReturn.parse("https://app.example.com/settings"),))
    policy = IntegrationsPolicy(client_configured=configured)
    oauth = OAuth(clock)
    start = StartConnect(Providers(), pending, oauth, digest, returns, policy, FakeThrottle(), Uow(), clock)
    complete = CompleteConnect(Providers(), pending, connections, oauth, Keyring(), digest, Events(), Uow(), clock)
    return Flow(clock, pending, connections, start, complete, Principal(uuid.uuid4()))


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def test_a_consent_stores_the_tokens_sealed_and_returns_connected() -> None:
    f = flow()
    state = await f.consent()
    assert list(f.pending.rows) == [f"digest({state})"]  # the state itself is never stored
    url = await f.complete(state, "code1", None)
    assert url.startswith("https://app.example.com/settings?tab=integrations&")
    assert query(url) == {"tab": "integrations", "status": "connected", "provider": "mail"}
    [connection] = f.connections.rows.values()
    assert connection.user_id == f.user.user_id
    assert connection.status is ConnectionStatus.ACTIVE
    assert connection.scopes == (READ, WRITE)
    assert Keyring().open(connection.sealed or "", connection.binding) == Tokens("access-code1", "refresh-code1")


async def test_a_state_is_good_for_one_callback() -> None:
    f = flow()
    state = await f.consent()
    await f.complete(state, "code1", None)
    with pytest.raises(BadRequest):
        await f.complete(state, "code1", None)
    assert len(f.connections.rows) == 1


@pytest.mark.parametrize("state", [None, "", "made-up"])
async def test_a_missing_or_unknown_state_stores_nothing(state: str | None) -> None:
    f = flow()
    await f.consent()
    with pytest.raises(BadRequest):
        await f.complete(state, "code1", None)
    assert f.connections.rows == {}


async def test_an_expired_state_is_refused() -> None:
    f = flow()
    state = await f.consent()
    f.clock.at += timedelta(minutes=15, seconds=1)
    with pytest.raises(BadRequest):
        await f.complete(state, "code1", None)
    assert f.connections.rows == {}


async def test_a_refusal_at_the_provider_returns_an_error_reason_and_spends_the_state() -> None:
    f = flow()
    state = await f.consent()
    assert query(await f.complete(state, None, "access_denied"))["reason"] == "access_denied"
    with pytest.raises(BadRequest):
        await f.complete(state, "code1", None)
    other = await f.consent()
    assert query(await f.complete(other, "bad", None)) | {"tab": ""} == {
        "tab": "",
        "status": "error",
        "reason": "invalid_grant",
        "provider": "mail",
    }
    weird = await f.consent()
    assert query(await f.complete(weird, None, "<script>x</script>"))["reason"] == "_script_x__script_"
    assert f.connections.rows == {}


async def test_reconnecting_replaces_the_connection() -> None:
    f = flow()
    await f.complete(await f.consent(), "code1", None)
    await f.complete(await f.consent(), "code2", None)
    [connection] = f.connections.rows.values()
    assert Keyring().open(connection.sealed or "", connection.binding).access_token == "access-code2"


async def test_start_checks_provider_return_address_and_configuration() -> None:
    f = flow()
    with pytest.raises(NotFound):
        await f.start(f.user, "nope", RETURN)
    with pytest.raises(InvalidInput):
        await f.start(f.user, "mail", "https://evil.example/settings")
    with pytest.raises(Unavailable):
        await flow(configured=False).start(f.user, "mail", RETURN)
    assert f.pending.rows == {}
