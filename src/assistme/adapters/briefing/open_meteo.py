"""WeatherSource over Open-Meteo's forecast API (``GET /v1/forecast``), through the shared HTTP client.

Open-Meteo answers local times without an offset ("2026-05-01T14:15") beside ``utc_offset_seconds``; they are
turned into UTC instants here. Its errors are ``{"error": true, "reason": "..."}`` with a 400.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx

from assistme.core.briefing.conditions import condition
from assistme.core.briefing.entities import Place, Units, Weather
from assistme.core.shared.errors import Unavailable

CURRENT = "temperature_2m,apparent_temperature,weather_code,wind_speed_10m,wind_direction_10m"
DAILY = "temperature_2m_max,temperature_2m_min"
MAX_REASON = 200


class OpenMeteo:
    def __init__(self, client: httpx.AsyncClient, base_url: str, timeout: float, user_agent: str) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/v1/forecast"
        self._timeout = timeout
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}

    async def current(self, place: Place, timezone: str) -> Weather:
        query: dict[str, str | int] = {
            "latitude": f"{place.lat:g}",
            "longitude": f"{place.lon:g}",
            "current": CURRENT,
            "daily": DAILY,
            "timezone": timezone,
            "forecast_days": 1,
        }
        try:
            # httpx's timeout is per phase (and the shared client's default is 5 s): this bounds the whole call
            async with asyncio.timeout(self._timeout):
                response = await self._client.get(self._url, params=query, headers=self._headers, timeout=self._timeout)
        except (httpx.HTTPError, TimeoutError) as exc:  # str(exc) may hold the URL: the class name only
            raise Unavailable(f"open-meteo unreachable: {type(exc).__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            raise Unavailable(f"open-meteo answered {response.status_code} without JSON") from None
        if not response.is_success:
            reason = answer.get("reason") if isinstance(answer, dict) else None
            raise Unavailable(f"open-meteo answered {response.status_code}: {str(reason or 'no reason')[:MAX_REASON]}")
        try:
            return weather(answer)
        except (KeyError, TypeError, ValueError, IndexError):
            raise Unavailable("open-meteo answered in an unexpected shape") from None


def weather(answer: dict[str, Any]) -> Weather:
    """The forecast answer as the core's Weather; KeyError, TypeError or ValueError when it is not one."""
    offset = timezone(timedelta(seconds=int(answer["utc_offset_seconds"])))
    now, units, daily = answer["current"], answer["current_units"], answer["daily"]
    observed = datetime.fromisoformat(now["time"]).replace(tzinfo=offset)
    code = None if now.get("weather_code") is None else int(now["weather_code"])
    return Weather(
        latitude=float(answer["latitude"]),
        longitude=float(answer["longitude"]),
        timezone=str(answer["timezone"]),
        utc_offset_seconds=int(answer["utc_offset_seconds"]),
        observed_at=observed.astimezone(UTC),
        date=date.fromisoformat(daily["time"][0]),
        temperature=_number(now.get("temperature_2m")),
        apparent_temperature=_number(now.get("apparent_temperature")),
        weather_code=code,
        condition=condition(code),
        wind_speed=_number(now.get("wind_speed_10m")),
        wind_direction=_number(now.get("wind_direction_10m")),
        high=_number(_first(daily.get("temperature_2m_max"))),
        low=_number(_first(daily.get("temperature_2m_min"))),
        units=Units(str(units.get("temperature_2m", "°C")), str(units.get("wind_speed_10m", "km/h"))),
    )


def _first(values: Any) -> Any:
    return values[0] if isinstance(values, list) and values else None


def _number(value: Any) -> float | None:
    """Open-Meteo sends null where a model has no value."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)
