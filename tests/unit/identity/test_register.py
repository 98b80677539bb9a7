"""Registering: one account per email whatever its case, a password of sane length, stored only as a hash."""

from __future__ import annotations

import pytest

from assistme.core.identity.register import RegisterUser, Registration
from assistme.core.shared.errors import Conflict, InvalidInput
from tests.unit.identity.fakes import World

PASSWORD = "a long passphrase"


def register(world: World) -> RegisterUser:
    return RegisterUser(world.users, world.uow, world.hasher)


async def test_the_account_is_stored_with_a_normalised_email_and_a_hash() -> None:
    world = World()
    user = await register(world)(Registration(" Ada@Example.COM ", PASSWORD, "Ada"))
    assert (user.email, user.full_name) == ("ada@example.com", "Ada")
    assert world.users.rows[user.id].password_hash == "hash:" + PASSWORD
    assert world.uow.commits == 1


async def test_a_taken_email_is_a_conflict_whatever_its_case() -> None:
    world = World()
    await world.person("ada@example.com")
    with pytest.raises(Conflict):
        await register(world)(Registration("ADA@example.com", PASSWORD))
    assert len(world.users.rows) == 1
    assert world.uow.commits == 0


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("ada@example.com", "short", "password"),
        ("ada@example.com", "x" * 129, "password"),
        ("not-an-email", PASSWORD, "email"),
        ("two@@example.com", PASSWORD, "email"),
    ],
)
async def test_bad_input_names_the_field_and_costs_no_hash(email: str, password: str, field: str) -> None:
    world = World()
    with pytest.raises(InvalidInput) as caught:
        await register(world)(Registration(email, password))
    assert [e.field for e in caught.value.errors] == [field]
    assert world.hasher.hashed == 0
    assert world.users.rows == {}


async def test_passwords_of_eight_and_of_128_characters_are_accepted() -> None:
    world = World()
    for n, length in enumerate((8, 128)):
        await register(world)(Registration(f"p{n}@example.com", "x" * length))
    assert len(world.users.rows) == 2
