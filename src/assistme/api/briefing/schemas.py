"""Wire shapes of the weather, the news and the morning dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import msgspec

from assistme.core.briefing.caching import Cached
from assistme.core.briefing.dashboard import MorningReport, Section
from assistme.core.briefing.entities import Weather
from assistme.core.briefing.news import NewsDigest
from assistme.core.briefing.reminders import Reminder

T = TypeVar("T")
U = TypeVar("U")


class UnitsOut(msgspec.Struct):
    temperature: str
    wind_speed: str


class WeatherData(msgspec.Struct, kw_only=True):
    latitude: float
    longitude: float
    timezone: str
    utc_offset_seconds: int
    observed_at: datetime
    date: date
    temperature: float | None
    apparent_temperature: float | None
    weather_code: int | None
    condition: str
    wind_speed: float | None
    wind_direction: float | None
    high: float | None
    low: float | None
    units: UnitsOut

    @classmethod
    def of(cls, weather: Weather) -> WeatherData:
        return msgspec.convert(weather, cls, from_attributes=True)


class WeatherOut(WeatherData, kw_only=True):
    fetched_at: datetime
    stale: bool  # the upstream failed: this is the last answer it gave

    @classmethod
    def cached(cls, cached: Cached[Weather]) -> WeatherOut:
        data = msgspec.structs.asdict(WeatherData.of(cached.value))
        return cls(**data, fetched_at=cached.fetched_at, stale=cached.stale)


class NewsItemOut(msgspec.Struct, kw_only=True):
    title: str
    link: str | None
    source: str
    published: datetime | None
    summary: str | None


class SourceOut(msgspec.Struct, kw_only=True):
    name: str
    fetched_at: datetime | None
    stale: bool
    error: str | None


class NewsOut(msgspec.Struct, kw_only=True):
    items: list[NewsItemOut]
    total: int
    limit: int
    offset: int
    sources: list[SourceOut]
    fetched_at: datetime | None  # of the oldest copy shown
    stale: bool

    @classmethod
    def of(cls, digest: NewsDigest) -> NewsOut:
        return cls(
            items=[msgspec.convert(item, NewsItemOut, from_attributes=True) for item in digest.items],
            total=digest.total,
            limit=digest.limit,
            offset=digest.offset,
            sources=[msgspec.convert(status, SourceOut, from_attributes=True) for status in digest.sources],
            fetched_at=digest.fetched_at,
            stale=digest.stale,
        )


class MailOut(msgspec.Struct):
    unread: int  # in the inbox


class ReminderOut(msgspec.Struct, kw_only=True):
    job_id: UUID
    name: str
    message: str
    at: datetime

    @classmethod
    def of(cls, reminder: Reminder) -> ReminderOut:
        return cls(job_id=reminder.job_id, name=reminder.name, message=reminder.message, at=reminder.at)


class SectionOut(msgspec.Struct, Generic[T], kw_only=True):
    """``status``: ok, error, not_connected, no_location or not_configured; ``error`` explains all but ok."""

    status: str
    data: T | None
    fetched_at: datetime | None
    stale: bool
    error: str | None

    @classmethod
    def of(cls, section: Section[U], convert: Callable[[U], T]) -> SectionOut[T]:
        return cls(
            status=section.status.value,
            data=None if section.data is None else convert(section.data),
            fetched_at=section.fetched_at,
            stale=section.stale,
            error=section.error,
        )


class PlaceOut(msgspec.Struct):
    lat: float
    lon: float


class MorningOut(msgspec.Struct, kw_only=True):
    date: date
    timezone: str
    generated_at: datetime
    location: PlaceOut | None
    weather: SectionOut[WeatherData]
    news: SectionOut[NewsOut]
    calendar: SectionOut[list[dict[str, Any]]]
    mail: SectionOut[MailOut]
    reminders: SectionOut[list[ReminderOut]]

    @classmethod
    def of(cls, report: MorningReport) -> MorningOut:
        place = report.place
        return cls(
            date=report.day.date,
            timezone=report.day.timezone,
            generated_at=report.generated_at,
            location=None if place is None else PlaceOut(place.lat, place.lon),
            weather=SectionOut.of(report.weather, WeatherData.of),
            news=SectionOut.of(report.news, NewsOut.of),
            calendar=SectionOut.of(report.calendar, list),
            mail=SectionOut.of(report.mail, MailOut),
            reminders=SectionOut.of(report.reminders, lambda found: [ReminderOut.of(r) for r in found]),
        )
