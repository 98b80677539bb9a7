"""The morning dashboard: weather, news, today's calendar and reminders, unread mail, gathered at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar
from uuid import UUID

from assistme.core.briefing.caching import Cached
from assistme.core.briefing.entities import Day, Place, Weather
from assistme.core.briefing.news import NewsDigest, NewsQuery, TopNews
from assistme.core.briefing.policy import BriefingPolicy
from assistme.core.briefing.ports import AccountActions
from assistme.core.briefing.reminders import Reminder, TodaysReminders
from assistme.core.briefing.weather import NO_PLACE, WeatherReader, place_of
from assistme.core.identity.ports import UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.integrations.errors import connect_path
from assistme.core.integrations.imports import CALENDAR
from assistme.core.integrations.ports import ConnectionRepository
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import DomainError, NotFound
from assistme.core.shared.uow import UnitOfWork

MAIL = "gmail"
MAX_EVENTS = 50
log = logging.getLogger(__name__)

T = TypeVar("T")


class SectionStatus(StrEnum):
    OK = "ok"
    ERROR = "error"  # it failed; ``error`` says why
    NOT_CONNECTED = "not_connected"  # calendar or mail without a connection
    NO_LOCATION = "no_location"  # weather with no coordinates given and none saved
    NOT_CONFIGURED = "not_configured"  # news on a server with no feeds


@dataclass(frozen=True, slots=True)
class Section(Generic[T]):
    """One part of the dashboard; ``error`` explains every status but ``ok``."""

    status: SectionStatus
    data: T | None = None
    fetched_at: datetime | None = None
    stale: bool = False
    error: str | None = None

    @classmethod
    def of(cls, cached: Cached[T]) -> Section[T]:
        return cls(SectionStatus.OK, cached.value, cached.fetched_at, cached.stale)


@dataclass(frozen=True, slots=True)
class MorningReport:
    day: Day
    generated_at: datetime
    place: Place | None
    weather: Section[Weather]
    news: Section[NewsDigest]
    calendar: Section[list[dict[str, Any]]]
    mail: Section[int]
    reminders: Section[list[Reminder]]


@dataclass(slots=True)
class MorningBriefing:
    """``GET /dashboard/morning``. "Today" is the caller's day in their zone; the place is the one given or their
    saved location (bad coordinates are a 422, none at all only leave the weather section without data).

    The database is read first, one query after another on the request's session, and the transaction closed;
    then the upstream calls run concurrently: weather, news, and the calendar and mail actions, each of those in
    a unit of work of its own (a token refresh writes). Every section carries its own outcome: one that fails,
    or takes longer than the policy's section timeout, is marked and the others still answer."""

    users: UserRepository
    connections: ConnectionRepository
    reminders: TodaysReminders
    weather: WeatherReader
    news: TopNews
    accounts: AccountActions
    policy: BriefingPolicy
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, lat: float | None, lon: float | None) -> MorningReport:
        given = Place.given(lat, lon)
        user = await self.users.get(principal.require_user())
        if user is None:
            raise NotFound("no such user")
        now = self.clock.now()
        day, place = Day.of(now, user.timezone), place_of(user, given)
        linked = {connection.provider for connection in await self.connections.of_owner(user.id)}
        reminders = await self._guard(self._reminders(user.id, day))
        await self.uow.rollback()  # only reads so far; no transaction stays open across the upstream calls
        weather, news, calendar, mail = await asyncio.gather(
            self._guard(self._weather(place, user.timezone)),
            self._guard(self._news()),
            self._guard(self._calendar(principal, day, CALENDAR in linked)),
            self._guard(self._mail(principal, MAIL in linked)),
        )
        return MorningReport(day, now, place, weather, news, calendar, mail, reminders)

    async def _reminders(self, user_id: UUID, day: Day) -> Section[list[Reminder]]:
        found = await self.reminders(user_id, day, self.policy.max_reminders)
        return Section(SectionStatus.OK, found, self.clock.now())

    async def _weather(self, place: Place | None, zone: str) -> Section[Weather]:
        if place is None:
            return Section(SectionStatus.NO_LOCATION, error=NO_PLACE)
        return Section.of(await self.weather(place, zone))

    async def _news(self) -> Section[NewsDigest]:
        if not self.policy.feeds:
            return Section(SectionStatus.NOT_CONFIGURED, error="this server has no news feeds configured")
        digest = await self.news(NewsQuery(limit=self.policy.dashboard_news))
        return Section(SectionStatus.OK, digest, digest.fetched_at, digest.stale)

    async def _calendar(self, principal: Principal, day: Day, linked: bool) -> Section[list[dict[str, Any]]]:
        if not linked:
            return _not_connected(CALENDAR)
        params = {"from": day.start.isoformat(), "to": day.end.isoformat(), "max_results": MAX_EVENTS}
        answer = await self.accounts(principal, CALENDAR, "list_events", params)
        return Section(SectionStatus.OK, list(answer["events"]), self.clock.now())

    async def _mail(self, principal: Principal, linked: bool) -> Section[int]:
        if not linked:
            return _not_connected(MAIL)
        answer = await self.accounts(principal, MAIL, "unread_count", {"label": "INBOX"})
        return Section(SectionStatus.OK, int(answer["unread"]), self.clock.now())

    async def _guard(self, work: Awaitable[Section[T]]) -> Section[T]:
        try:
            async with asyncio.timeout(self.policy.section_timeout):
                return await work
        except TimeoutError:
            return Section(SectionStatus.ERROR, error=f"no answer within {self.policy.section_timeout:g} s")
        except DomainError as failed:  # the provider is away, the grant is dead, a scope is missing...
            return Section(SectionStatus.ERROR, error=failed.detail)
        except Exception:  # a bug in one section must not cost the person the others
            log.exception("a dashboard section failed")
            return Section(SectionStatus.ERROR, error="this section failed on our side")


def _not_connected(provider: str) -> Section[Any]:
    return Section(SectionStatus.NOT_CONNECTED, error=f"not connected: POST {connect_path(provider)}")
