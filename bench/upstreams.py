"""A tiny local Open-Meteo (``GET /v1/forecast``) and RSS feed for S4, in the real wire formats.

S4 measures the dashboard with its upstreams cached: these answer the warm-up, then sit idle.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo


def _forecast(query: dict[str, str]) -> dict[str, object]:
    name = query.get("timezone", "GMT")
    zone = ZoneInfo("Europe/Berlin" if name == "auto" else name)
    local = datetime.now(UTC).astimezone(zone)
    offset = local.utcoffset()
    quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    units = {
        "temperature_2m": "°C",
        "apparent_temperature": "°C",
        "weather_code": "wmo code",
        "wind_speed_10m": "km/h",
        "wind_direction_10m": "°",
    }
    return {
        "latitude": float(query.get("latitude", 0)),
        "longitude": float(query.get("longitude", 0)),
        "generationtime_ms": 0.05,
        "utc_offset_seconds": int(offset.total_seconds()) if offset else 0,
        "timezone": zone.key,
        "timezone_abbreviation": local.tzname(),
        "elevation": 38.0,
        "current_units": {"time": "iso8601", "interval": "seconds", **units},
        "current": {
            "time": quarter.strftime("%Y-%m-%dT%H:%M"),
            "interval": 900,
            "temperature_2m": 14.2,
            "apparent_temperature": 12.9,
            "weather_code": 3,
            "wind_speed_10m": 11.5,
            "wind_direction_10m": 250,
        },
        "daily_units": {"time": "iso8601", "temperature_2m_max": "°C", "temperature_2m_min": "°C"},
        "daily": {"time": [local.date().isoformat()], "temperature_2m_max": [17.8], "temperature_2m_min": [6.1]},
    }


def _feed() -> bytes:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    items = "".join(
        f"<item><title>Headline {i}</title><link>https://news.example/{i}</link><pubDate>{now}</pubDate>"
        f"<description>What happened in story {i}, in two sentences. More at the link.</description></item>"
        for i in range(20)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench news</title>'
        f"<link>https://news.example/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/v1/forecast":
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            body, kind = json.dumps(_forecast(query)).encode(), "application/json; charset=utf-8"
        elif parts.path == "/feeds/world.xml":
            body, kind = _feed(), "application/rss+xml; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


class Upstreams:
    """``with Upstreams() as up:`` then point the app at ``up.base``."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Upstreams:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
