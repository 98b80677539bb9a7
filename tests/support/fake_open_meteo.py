"""A fake Open-Meteo on 127.0.0.1: ``GET /v1/forecast`` in the real wire format (local times without an offset
beside ``utc_offset_seconds``, ``current`` and ``daily`` blocks with their units, ``{"error": true, "reason"}``
on a 400). It counts the forecasts it was asked for; a test can make it fail, or answer slowly."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.support.loopback_server import LoopbackServer, Receive, Send

AUTO_ZONE = "Europe/Berlin"  # what "timezone=auto" resolves to here, whatever the coordinates
CURRENT = {"temperature_2m", "apparent_temperature", "weather_code", "wind_speed_10m", "wind_direction_10m"}
UNITS = {
    "temperature_2m": "°C",
    "apparent_temperature": "°C",
    "weather_code": "wmo code",
    "wind_speed_10m": "km/h",
    "wind_direction_10m": "°",
}


class FakeOpenMeteo(LoopbackServer):
    """``with FakeOpenMeteo() as meteo:`` then point ``ASSISTME_OPEN_METEO_BASE_URL`` at ``meteo.base_url``."""

    label = "the fake Open-Meteo"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        super().__init__()

    def reset(self) -> None:
        with self._lock:
            self.requests: list[dict[str, str]] = []  # the query of every forecast asked for
            self.failing: int | None = None  # a status every forecast answers with, until set back to None
            self.delay = 0.0
            self.conditions: dict[str, float | int] = {
                "temperature_2m": 14.2,
                "apparent_temperature": 12.9,
                "weather_code": 3,
                "wind_speed_10m": 11.5,
                "wind_direction_10m": 250,
            }
            self.high, self.low = 17.8, 6.1

    @property
    def calls(self) -> int:
        return len(self.requests)

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        if scope["path"] != "/v1/forecast":
            status, body = 404, {"error": True, "reason": "Not Found"}
        else:
            with self._lock:
                self.requests.append(query)
                delay, failing = self.delay, self.failing
            if delay:
                await asyncio.sleep(delay)
            status, body = (
                (failing, {"error": True, "reason": "Upstream overloaded"}) if failing else self._answer(query)
            )
        payload = json.dumps(body).encode()
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(payload)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _answer(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            lat, lon = float(query["latitude"]), float(query["longitude"])
        except (KeyError, ValueError):
            return 400, {"error": True, "reason": "Parameter 'latitude' and 'longitude' must be numbers"}
        if not -90 <= lat <= 90:
            return 400, {"error": True, "reason": f"Latitude must be in range of -90 to 90°. Given: {lat}."}
        if not set(query.get("current", "").split(",")) <= CURRENT or query.get("forecast_days") != "1":
            return 400, {"error": True, "reason": "Cannot initialize WeatherVariable from invalid String value"}
        name = query.get("timezone", "GMT")
        try:
            zone = ZoneInfo(AUTO_ZONE if name == "auto" else name)
        except (ZoneInfoNotFoundError, ValueError):
            return 400, {"error": True, "reason": f"Invalid timezone '{name}'"}
        local = datetime.now(UTC).astimezone(zone)
        offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
        quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        with self._lock:
            current = {"time": quarter.strftime("%Y-%m-%dT%H:%M"), "interval": 900, **self.conditions}
            daily = {
                "time": [local.date().isoformat()],
                "temperature_2m_max": [self.high],
                "temperature_2m_min": [self.low],
            }
        return 200, {
            "latitude": round(lat, 4),
            "longitude": round(lon, 4),
            "generationtime_ms": 0.05,
            "utc_offset_seconds": offset,
            "timezone": zone.key,
            "timezone_abbreviation": local.tzname(),
            "elevation": 38.0,
            "current_units": {"time": "iso8601", "interval": "seconds", **UNITS},
            "current": current,
            "daily_units": {"time": "iso8601", "temperature_2m_max": "°C", "temperature_2m_min": "°C"},
            "daily": daily,
        }
