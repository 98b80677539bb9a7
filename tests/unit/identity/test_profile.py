"""The profile a person edits: name, time zone and saved place, each checked; nothing else changes."""

from __future__ import annotations

import pytest
from msgspec import UNSET

from assistme.core.identity.entities import Location, User
from assistme.core.identity.principal import Principal
from assistme.core.identity.profile import ProfileChanges, UpdateProfile
from assistme.core.shared.errors import InvalidInput, NotFound
from tests.unit.identity.fakes import World


async def edit(world: World, user: User, changes: ProfileChanges) -> User:
    return await UpdateProfile(world.users, world.uow)(Principal(user.id), changes)


async def test_given_fields_change_and_the_rest_stay() -> None:
    world = World()
    user = await world.person(full_name="Ada", timezone="Europe/Paris")
    changed = await edit(world, user, ProfileChanges(location=Location(52.52, 13.405, "Berlin")))
    assert (changed.full_name, changed.timezone) == ("Ada", "Europe/Paris")
    assert world.users.rows[user.id].location == Location(52.52, 13.405, "Berlin")
    assert world.uow.commits == 1


async def test_null_clears_the_name_and_the_place() -> None:
    world = World()
    user = await world.person(full_name="Ada", location=Location(1.0, 2.0))
    changed = await edit(world, user, ProfileChanges(full_name=None, location=None))
    assert (changed.full_name, changed.location) == (None, None)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "Europe", "Europe/", "../../etc/passwd", "zone.tab"])
async def test_an_unknown_time_zone_is_refused_naming_the_field(zone: str) -> None:
    world = World()
    user = await world.person()
    with pytest.raises(InvalidInput) as caught:
        await edit(world, user, ProfileChanges(timezone=zone))
    assert [e.field for e in caught.value.errors] == ["timezone"]
    assert world.users.rows[user.id].timezone == "UTC"
    assert world.uow.commits == 0


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (90.5, 0.0, "location.lat"),
        (-91.0, 0.0, "location.lat"),
        (0.0, 180.5, "location.lon"),
        (0.0, -181.0, "location.lon"),
    ],
)
async def test_a_place_off_the_globe_is_refused_naming_the_coordinate(lat: float, lon: float, field: str) -> None:
    world = World()
    user = await world.person()
    with pytest.raises(InvalidInput) as caught:
        await edit(world, user, ProfileChanges(location=Location(lat, lon)))
    assert [e.field for e in caught.value.errors] == [field]
    assert world.users.rows[user.id].location is None


async def test_the_edges_of_the_globe_are_places() -> None:
    world = World()
    user = await world.person()
    for lat, lon in [(90.0, 180.0), (-90.0, -180.0)]:
        assert (await edit(world, user, ProfileChanges(location=Location(lat, lon)))).location == Location(lat, lon)


async def test_a_deleted_account_has_no_profile_to_edit() -> None:
    world = World()
    user = await world.person()
    await world.users.delete(user.id)
    with pytest.raises(NotFound):
        await edit(world, user, ProfileChanges(full_name="ghost", timezone=UNSET))
