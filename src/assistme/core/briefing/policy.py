"""How fresh a briefing must be, which feeds it reads, and how long a dashboard waits for a section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from assistme.core.briefing.entities import Feed


@dataclass(frozen=True, slots=True)
class BriefingPolicy:
    feeds: tuple[Feed, ...] = ()
    weather_ttl: timedelta = timedelta(minutes=10)
    news_ttl: timedelta = timedelta(minutes=15)
    section_timeout: float = 20.0  # seconds a dashboard section may take before it is reported as failed
    dashboard_news: int = 5  # headlines on the dashboard
    max_reminders: int = 50  # occurrences listed for one day (an every-minute job would make 1440)
