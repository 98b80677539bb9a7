"""The rules of idempotency keys: what counts as the same request, what is kept, what a repeat meets."""

from __future__ import annotations

import uuid

import pytest

from assistme.core.idempotency.entities import Answer, Claim, InProgress, KeyedRequest, KeyState, Replay
from assistme.core.idempotency.keys import HEADER, MAX_ANSWER_BYTES, check_key, fingerprint, keyed_request, owner_of
from assistme.core.identity.entities import Role
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import Conflict, InvalidInput
from tests.unit.idempotency.fakes import World

ANN = Principal(uuid.uuid4(), Role.USER, session_id=uuid.uuid4())
ROUTE = "POST /api/v1/assistants"
CREATED = Answer(201, (("content-type", "application/json"), ("set-cookie", "s=1"), ("Location", "/x")), b'{"id":1}')


def request(body: bytes = b'{"name":"Sec"}', key: str = "k-1", path: str = "/api/v1/assistants") -> KeyedRequest:
    return keyed_request(ANN, route=ROUTE, key=key, method="POST", path=path, body=body)


async def claimed(world: World, keyed: KeyedRequest) -> Claim:
    outcome = await world.keys.claim(keyed)
    assert isinstance(outcome, Claim)
    return outcome


@pytest.mark.parametrize("key", ["a", "x" * 255, "0c4f8e1e-2f4b-4d4e-9d1a-5b1f4c3e2a10", "order 42/retry#1", "~!{}"])
def test_a_key_is_1_to_255_printable_ascii_characters(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * 256, " padded", "padded ", "tab\there", "caf\u00e9", "nul\x00", "\x7f"])
def test_any_other_key_is_refused_naming_the_header(key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_key(key)
    assert [e.field for e in refused.value.errors] == [HEADER]


def test_the_fingerprint_reads_a_json_body_by_its_content() -> None:
    same = fingerprint("POST", "/p", b'{"a": 1, "b": [1, 2]}')
    assert fingerprint("post", "/p", b'{"b":[1,2],"a":1}') == same
    assert fingerprint("POST", "/p", b'{"a": 2, "b": [1, 2]}') != same
    assert fingerprint("POST", "/q", b'{"a": 1, "b": [1, 2]}') != same
    assert fingerprint("PUT", "/p", b'{"a": 1, "b": [1, 2]}') != same
    assert fingerprint("POST", "/p", b"{not json") != fingerprint("POST", "/p", b"{not  json")  # byte for byte
    assert fingerprint("POST", "/p1", b"") != fingerprint("POST", "/p", b"1")  # the parts are framed


def test_keys_belong_to_the_acting_user_or_else_the_api_key() -> None:
    key_id = uuid.uuid4()
    assert owner_of(ANN) == f"user:{ANN.user_id}"
    assert owner_of(Principal(ANN.user_id, api_key_id=key_id)) == f"user:{ANN.user_id}"  # X-Act-As-User
    assert owner_of(Principal(None, api_key_id=key_id)) == f"key:{key_id}"


async def test_a_kept_answer_is_replayed_with_the_headers_that_matter_and_its_body_sealed() -> None:
    world = World()
    claim = await claimed(world, request())
    assert isinstance(await world.keys.claim(request()), InProgress)  # the first is still running
    await world.keys.settle(claim, CREATED)
    (row,) = world.store.rows.values()
    assert row.state is KeyState.DONE
    assert row.sealed_body is not None
    assert row.sealed_body.startswith("sealed:")
    replay = await world.keys.claim(request(b'{ "name" : "Sec" }'))  # the same object, spaced otherwise
    assert replay == Replay(Answer(201, (("content-type", "application/json"), ("location", "/x")), b'{"id":1}'))


async def test_another_request_with_the_key_is_refused_whatever_its_state() -> None:
    world = World()
    claim = await claimed(world, request())
    for _ in range(2):
        with pytest.raises(InvalidInput) as refused:
            await world.keys.claim(request(b'{"name":"Other"}'))
        assert [e.field for e in refused.value.errors] == [HEADER]
        with pytest.raises(InvalidInput):
            await world.keys.claim(request(path="/api/v1/assistants/elsewhere"))
        await world.keys.settle(claim, CREATED)


@pytest.mark.parametrize("status", [400, 404, 409, 422, 500, 502, 503])
async def test_a_failure_is_never_kept_and_frees_the_key(status: int) -> None:
    world = World()
    await world.keys.settle(await claimed(world, request()), Answer(status, (), b"{}"))
    assert world.store.rows == {}
    await claimed(world, request(b'{"name":"Corrected"}'))


async def test_an_answer_too_large_to_keep_frees_the_key() -> None:
    world = World()
    await world.keys.settle(await claimed(world, request()), Answer(201, (), b"x" * (MAX_ANSWER_BYTES + 1)))
    assert world.store.rows == {}


async def test_a_kept_answer_lapses_after_the_retention() -> None:
    world = World()
    await world.keys.settle(await claimed(world, request()), CREATED)
    world.clock.advance(world.policy.retention.total_seconds() - 1)
    assert isinstance(await world.keys.claim(request()), Replay)
    world.clock.advance(1)
    await claimed(world, request(b'{"name":"Anything"}'))  # a new request: the old answer no longer counts


async def test_a_claim_whose_request_died_is_taken_over_once_its_lease_ends() -> None:
    world = World()
    dead = await claimed(world, request())
    world.clock.advance(world.policy.lease.total_seconds())
    fresh = await claimed(world, request())
    assert fresh.id != dead.id
    await world.keys.settle(dead, CREATED)  # the presumed dead one ends after all: the new claim is untouched
    assert world.store.rows[fresh.scope].state is KeyState.IN_PROGRESS
    await world.keys.release(dead)
    assert fresh.scope in world.store.rows


async def test_keys_of_other_owners_and_routes_are_other_keys() -> None:
    world = World()
    await world.keys.settle(await claimed(world, request()), CREATED)
    bob = Principal(uuid.uuid4())
    await claimed(world, keyed_request(bob, route=ROUTE, key="k-1", method="POST", path="/api/v1/assistants", body=b""))
    jobs = keyed_request(
        ANN, route="POST /api/v1/cron-jobs", key="k-1", method="POST", path="/api/v1/cron-jobs", body=b""
    )
    await claimed(world, jobs)


async def test_an_answer_no_configured_key_opens_is_a_conflict_not_a_second_run() -> None:
    world = World()
    await world.keys.settle(await claimed(world, request()), CREATED)
    world.sealer.refuse = True
    with pytest.raises(Conflict, match="new key"):
        await world.keys.claim(request())
