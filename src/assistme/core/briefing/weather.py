"""The weather at a place: asked of Open-Meteo at most once per place, zone and TTL."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.briefing.caching import Cached, ReadThrough
from assistme.core.briefing.entities import AUTO_ZONE, Place, Weather
from assistme.core.briefing.policy import BriefingPolicy
from assistme.core.briefing.ports import WeatherSource
from assistme.core.identity.entities import User
from assistme.core.identity.ports import UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import InvalidInput, NotFound
from assistme.core.shared.uow import UnitOfWork
from assistme.core.shared.zones import check_timezone

NO_PLACE = "give lat and lon, or save a location in your profile (PATCH /api/v1/users/me)"


def place_of(user: User, given: Place | None) -> Place | None:
    """The place a request names, else the user's saved location, else None."""
    if given is not None:
        return given
    return None if user.location is None else Place.checked(user.location.lat, user.location.lon)


@dataclass(slots=True)
class WeatherReader:
    """Cached per rounded place and zone; no database is touched, so it can run beside other sections."""

    source: WeatherSource
    cache: ReadThrough
    policy: BriefingPolicy

    async def __call__(self, place: Place, timezone: str) -> Cached[Weather]:
        near = place.rounded()

        async def fetch(_previous: Weather | None) -> Weather:
            return await self.source.current(near, timezone)

        key = f"weather:{near.lat:.2f},{near.lon:.2f}:{timezone}"
        return await self.cache(key, Weather, self.policy.weather_ttl, fetch)


@dataclass(slots=True)
class CurrentWeather:
    """``GET /weather/current`` and the agent's weather tool. The place is the one given or the caller's saved
    location (neither: 422 naming ``lat``); the zone, which decides what "today's" high and low are, is the one
    given (an IANA name, or ``auto`` for the place's own) or the caller's. An upstream failure with no copy at all
    is a 503; with an expired copy, that copy marked stale."""

    users: UserRepository
    read: WeatherReader
    uow: UnitOfWork

    async def __call__(
        self, principal: Principal, lat: float | None, lon: float | None, timezone: str | None = None
    ) -> Cached[Weather]:
        given = Place.given(lat, lon)
        if timezone is not None and timezone != AUTO_ZONE:
            check_timezone(timezone)
        user = await self.users.get(principal.require_user())
        if user is None:
            raise NotFound("no such user")
        place = place_of(user, given)
        if place is None:
            raise InvalidInput.field("lat", NO_PLACE)
        await self.uow.commit()  # nothing was written: no transaction stays open across the upstream call
        return await self.read(place, timezone or user.timezone)
