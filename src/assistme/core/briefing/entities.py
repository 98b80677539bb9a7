"""What a briefing is made of: a place, its weather, news items from the configured feeds, the day it is about."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistme.core.shared.errors import InvalidInput

AUTO_ZONE = "auto"
"""The zone Open-Meteo reads off the coordinates themselves: the place's own day."""


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float

    @classmethod
    def checked(cls, lat: float, lon: float) -> Place:
        """422 naming the coordinate out of range (NaN and infinities included)."""
        if not math.isfinite(lat) or not -90 <= lat <= 90:
            raise InvalidInput.field("lat", "must be a number between -90 and 90")
        if not math.isfinite(lon) or not -180 <= lon <= 180:
            raise InvalidInput.field("lon", "must be a number between -180 and 180")
        return cls(lat, lon)

    @classmethod
    def given(cls, lat: float | None, lon: float | None) -> Place | None:
        """The place a request names, None when it names none; one coordinate without the other is a 422."""
        if lat is None and lon is None:
            return None
        if lat is None or lon is None:
            raise InvalidInput.field("lat" if lat is None else "lon", "give lat and lon together")
        return cls.checked(lat, lon)

    def rounded(self) -> Place:
        """Two decimals (about a kilometre): finer than the forecast's grid, coarse enough that neighbours share
        a cache entry."""
        return Place(round(self.lat, 2), round(self.lon, 2))


@dataclass(frozen=True, slots=True)
class Units:
    temperature: str
    wind_speed: str


@dataclass(frozen=True, slots=True)
class Weather:
    """Current conditions and the day's extremes, for the local ``date`` in ``timezone``."""

    latitude: float
    longitude: float
    timezone: str
    utc_offset_seconds: int
    observed_at: datetime  # UTC
    date: date
    temperature: float | None
    apparent_temperature: float | None
    weather_code: int | None
    condition: str
    wind_speed: float | None
    wind_direction: float | None
    high: float | None
    low: float | None
    units: Units


@dataclass(frozen=True, slots=True)
class Feed:
    """A configured news feed; ``name`` is what ``?sources=`` selects."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class NewsItem:
    title: str
    link: str | None
    source: str  # the feed's name
    published: datetime | None  # UTC
    summary: str | None  # plain text


@dataclass(frozen=True, slots=True)
class FeedSnapshot:
    """A feed as last parsed, with the validators a conditional GET sends back (a 304 keeps the parse)."""

    items: tuple[NewsItem, ...]
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Day:
    """A calendar day in a zone, as the UTC instants it starts and ends at."""

    date: date
    timezone: str
    start: datetime
    end: datetime  # exclusive: the next day's start

    @classmethod
    def of(cls, instant: datetime, timezone: str) -> Day:
        zone = ZoneInfo(timezone)
        local = instant.astimezone(zone).date()
        start = datetime.combine(local, time(), zone)
        end = datetime.combine(local + timedelta(days=1), time(), zone)  # 23 or 25 hours on a DST change
        return cls(local, timezone, start.astimezone(UTC), end.astimezone(UTC))
