"""The briefing: /weather/current, /news/top and /dashboard/morning."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.params import QueryParameter

from assistme.api.access import SECURED
from assistme.api.briefing.schemas import MorningOut, NewsOut, WeatherOut
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset
from assistme.core.briefing.dashboard import MorningBriefing
from assistme.core.briefing.news import NewsQuery, TopNews
from assistme.core.briefing.weather import CurrentWeather
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT

Latitude = Annotated[float | None, QueryParameter(ge=-90, le=90, description="-90 to 90; with lon")]
Longitude = Annotated[float | None, QueryParameter(ge=-180, le=180, description="-180 to 180; with lat")]
Zone = Annotated[
    str | None,
    QueryParameter(
        min_length=1, max_length=64, description="IANA zone for today's high and low, or auto (the place's own)"
    ),
]
Words = Annotated[
    str | None, QueryParameter(max_length=200, description="Every word must occur in the title or summary")
]
Sources = Annotated[str | None, QueryParameter(max_length=2000, description="Comma-separated feed names")]
PLACE = "Without lat and lon, the caller's saved location."


class WeatherController(Controller):
    path = "/api/v1/weather"
    tags = ["briefing"]
    security = SECURED

    @get(
        "/current", summary="Current weather and today's high and low", description=PLACE, responses=responses(422, 503)
    )
    @inject
    async def current(
        self,
        principal: FromDishka[Principal],
        weather: FromDishka[CurrentWeather],
        lat: Latitude = None,
        lon: Longitude = None,
        timezone: Zone = None,
    ) -> WeatherOut:
        return WeatherOut.cached(await weather(principal, lat, lon, timezone))


class NewsController(Controller):
    path = "/api/v1/news"
    tags = ["briefing"]
    security = SECURED

    @get("/top", summary="Newest items of the configured feeds", responses=responses(422, 503))
    @inject
    async def top(
        self,
        news: FromDishka[TopNews],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        q: Words = None,
        sources: Sources = None,
    ) -> NewsOut:
        names = tuple(name.strip() for name in (sources or "").split(",") if name.strip())
        return NewsOut.of(await news(NewsQuery(limit, offset, q, names)))


class DashboardController(Controller):
    path = "/api/v1/dashboard"
    tags = ["briefing"]
    security = SECURED

    @get(
        "/morning",
        summary="Weather, news, today's events, unread mail and reminders",
        description=f"{PLACE} A section that fails is marked; the others still answer.",
        responses=responses(422),
    )
    @inject
    async def morning(
        self,
        principal: FromDishka[Principal],
        briefing: FromDishka[MorningBriefing],
        lat: Latitude = None,
        lon: Longitude = None,
    ) -> MorningOut:
        return MorningOut.of(await briefing(principal, lat, lon))
