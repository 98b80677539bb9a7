"""dishka providers: weather, news and the morning dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from dishka import AsyncContainer, Provider, Scope, provide, provide_all

from assistme import __version__
from assistme.adapters.briefing.feeds import FeedReader
from assistme.adapters.briefing.open_meteo import OpenMeteo
from assistme.config import Settings
from assistme.core.briefing.caching import ReadThrough
from assistme.core.briefing.dashboard import MorningBriefing
from assistme.core.briefing.entities import Feed
from assistme.core.briefing.news import TopNews
from assistme.core.briefing.policy import BriefingPolicy
from assistme.core.briefing.ports import AccountActions, NewsSource, WeatherSource
from assistme.core.briefing.reminders import TodaysReminders
from assistme.core.briefing.weather import CurrentWeather, WeatherReader
from assistme.core.identity.principal import Principal
from assistme.core.integrations.actions import ProviderAction

USER_AGENT = f"assistme/{__version__}"  # what Open-Meteo and feed servers see; some refuse a library's default


class OwnUnitActions:
    """AccountActions: each call resolves ProviderAction in a request scope of its own (its own session and unit of
    work), so calls that may refresh a token, and so write, can run at the same time."""

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container

    async def __call__(self, principal: Principal, provider: str, action: str, params: dict[str, Any]) -> Any:
        async with self._container() as scope:
            return await (await scope.get(ProviderAction))(principal, provider, action, params)


class Briefing(Provider):
    scope = Scope.APP

    @provide
    def policy(self, settings: Settings) -> BriefingPolicy:
        return BriefingPolicy(
            feeds=tuple(Feed(name, url) for name, url in settings.news_feeds.items()),
            weather_ttl=timedelta(seconds=settings.weather_ttl),
            news_ttl=timedelta(seconds=settings.news_ttl),
            section_timeout=settings.dashboard_section_timeout,
        )

    @provide
    def weather_source(self, settings: Settings, client: httpx.AsyncClient) -> WeatherSource:
        return OpenMeteo(client, settings.open_meteo_base_url, settings.briefing_timeout, USER_AGENT)

    @provide
    def news_source(self, settings: Settings, client: httpx.AsyncClient) -> NewsSource:
        return FeedReader(
            client,
            timeout=settings.briefing_timeout,
            max_bytes=settings.news_max_bytes,
            max_items=settings.news_items_per_feed,
            user_agent=USER_AGENT,
        )

    @provide
    def account_actions(self, container: AsyncContainer) -> AccountActions:
        return OwnUnitActions(container)  # the APP container: each call opens a request scope under it

    shared = provide_all(ReadThrough, WeatherReader, TopNews)
    use_cases = provide_all(CurrentWeather, TodaysReminders, MorningBriefing, scope=Scope.REQUEST)
