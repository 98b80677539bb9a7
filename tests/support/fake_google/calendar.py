"""Calendar API v3 under ``/calendar/v3/calendars/{calendarId}/events``: list, insert, get, patch, update, delete."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.support.fake_google.wire import Answer, Request, answer, empty, google_error

WRITERS = frozenset({"https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/calendar.events"})
READERS = WRITERS | {
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events.readonly",
}
FIXED = ("id", "kind", "htmlLink", "created", "creator", "organizer", "iCalUID")
EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")  # base32hex, as Google requires of an id the client chooses


class BadEvent(Exception):
    pass


class CalendarServer:
    """Mixed into FakeGoogle: ``add_event`` seeds a calendar; ``events`` holds every event resource by id."""

    _gate: Callable[[Request, frozenset[str]], Answer | None]
    _lock: threading.RLock
    identity: dict[str, Any]

    def _reset_calendar(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}

    def add_event(
        self,
        title: str,
        start: datetime | date,
        end: datetime | date,
        *,
        description: str | None = None,
        location: str | None = None,
        attendees: Iterable[str] = (),
        calendar_id: str = "primary",
        status: str = "confirmed",
    ) -> str:
        body: dict[str, Any] = {"summary": title, "start": _moment(start), "end": _moment(end), "status": status}
        body |= {k: v for k, v in (("description", description), ("location", location)) if v is not None}
        if attendees:
            body["attendees"] = [{"email": email} for email in attendees]
        with self._lock:
            return str(self._insert(self._calendar(calendar_id), body)["id"])

    def _calendar(self, calendar_id: str) -> str:
        return str(self.identity["email"]) if calendar_id == "primary" else calendar_id

    def _calendar_api(self, request: Request) -> Answer:
        parts = request.segments[2:]  # after calendar, v3
        if len(parts) not in (3, 4) or parts[0] != "calendars" or parts[2] != "events":
            return google_error(404, "Not Found")
        known = {self._calendar("primary")} | {e["organizer"]["email"] for e in self.events.values()}
        calendar = self._calendar(parts[1])
        denied = self._gate(request, WRITERS if request.method != "GET" else READERS)
        if denied is None and calendar not in known:
            denied = google_error(404, "Not Found")
        if denied is not None:
            return denied
        try:
            return self._one(calendar, parts[3], request) if len(parts) == 4 else self._collection(calendar, request)
        except BadEvent as exc:
            return google_error(400, str(exc))
        except (ValueError, AttributeError):
            return google_error(400, "Parse Error", "parseError")

    def _collection(self, calendar: str, request: Request) -> Answer:
        if request.method == "GET":
            return self._list_events(calendar, request)
        if request.method == "POST":
            body = request.json()
            if "id" in body and not EVENT_ID.fullmatch(str(body["id"])):
                return google_error(400, "Invalid resource id value.", "invalid")
            if "id" in body and body["id"] in self.events:  # a deleted event keeps its id too
                return google_error(409, "The requested identifier already exists.", "duplicate")
            return answer(200, self._insert(calendar, body))
        return google_error(404, "Not Found")

    def _one(self, calendar: str, event_id: str, request: Request) -> Answer:
        event = self.events.get(event_id)
        if event is None or event["organizer"]["email"] != calendar:
            return google_error(404, "Not Found")
        if request.method == "GET":
            return answer(200, event)
        if event["status"] == "cancelled":
            return google_error(410, "Resource has been deleted")
        if request.method == "DELETE":
            event["status"] = "cancelled"
            return empty()
        if request.method not in ("PATCH", "PUT"):
            return google_error(404, "Not Found")
        body = request.json()
        changed = _merge(dict(event), body) if request.method == "PATCH" else {**body}
        changed |= {key: event[key] for key in FIXED} | {"status": body.get("status", event["status"])}
        changed["sequence"] = event["sequence"] + 1
        self.events[event_id] = self._checked(changed)
        return answer(200, self.events[event_id])

    def _list_events(self, calendar: str, request: Request) -> Answer:
        low, high = _bound(request.arg("timeMin")), _bound(request.arg("timeMax"))
        if request.arg("orderBy") == "startTime" and request.arg("singleEvents") != "true":
            raise BadEvent("The requested ordering is not available for the particular query.")
        found = sorted(
            (
                e
                for e in self.events.values()
                if e["organizer"]["email"] == calendar
                and e["status"] != "cancelled"
                and (low is None or _instant(e["end"]) > low)
                and (high is None or _instant(e["start"]) < high)
            ),
            key=lambda e: _instant(e["start"]),
        )
        size = min(int(request.arg("maxResults") or 250), 2500)
        start = int(request.arg("pageToken") or 0)
        body = {
            "kind": "calendar#events",
            "etag": f'"{secrets.token_hex(8)}"',
            "summary": calendar,
            "updated": _stamp(),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "items": found[start : start + size],
        }
        if start + size < len(found):
            body["nextPageToken"] = str(start + size)
        return answer(200, body)

    def _insert(self, calendar: str, body: dict[str, Any]) -> dict[str, Any]:
        event_id = str(body.get("id") or secrets.token_hex(13))
        now = _stamp()
        owner = {"email": calendar, "self": True}
        event = {
            "kind": "calendar#event",
            "id": event_id,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": now,
            "creator": owner,
            "organizer": owner,
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
        } | {k: v for k, v in body.items() if k not in FIXED}
        self.events[event_id] = self._checked(event)
        return event

    def _checked(self, event: dict[str, Any]) -> dict[str, Any]:
        """Google's checks on times, and its normalised form: dateTime shown in the event's time zone."""
        for name in ("start", "end"):
            moment = event.get(name)
            if not isinstance(moment, dict) or not (moment.get("dateTime") or moment.get("date")):
                raise BadEvent(f"Missing {name} time.")
            if moment.get("dateTime"):
                event[name] = _timed(moment, name)
        if ("date" in event["start"]) != ("date" in event["end"]):
            raise BadEvent("Start and end times must either both be date or both be dateTime.")
        if _instant(event["end"]) < _instant(event["start"]):
            raise BadEvent("The specified time range is empty.")
        event["attendees"] = [
            {"responseStatus": "needsAction"} | a for a in event.get("attendees") or [] if isinstance(a, dict)
        ]
        if not event["attendees"]:
            del event["attendees"]
        event["updated"] = _stamp()
        event["etag"] = f'"{secrets.token_hex(8)}"'
        return event


def _moment(value: datetime | date) -> dict[str, str]:
    if isinstance(value, datetime):
        return {"dateTime": value.isoformat(), "timeZone": "UTC"}
    return {"date": value.isoformat()}


def _timed(moment: dict[str, Any], name: str) -> dict[str, Any]:
    instant = datetime.fromisoformat(str(moment["dateTime"]))
    zone_name = moment.get("timeZone")
    try:
        zone = ZoneInfo(zone_name) if zone_name else None
    except (ZoneInfoNotFoundError, ValueError):
        raise BadEvent(f"Invalid time zone definition for {name} time.") from None
    if instant.tzinfo is None:
        if zone is None:
            raise BadEvent(f"Missing time zone definition for {name} time.")
        instant = instant.replace(tzinfo=zone)
    shown = instant.astimezone(zone or instant.tzinfo)
    text = shown.isoformat().replace("+00:00", "Z")
    return {"dateTime": text} | ({"timeZone": zone_name} if zone_name else {})


def _instant(moment: dict[str, Any]) -> datetime:
    if "dateTime" in moment:
        return datetime.fromisoformat(moment["dateTime"])
    return datetime.combine(date.fromisoformat(moment["date"]), datetime.min.time(), UTC)


def _bound(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        bound = datetime.fromisoformat(value)
    except ValueError:
        raise BadEvent("Bad Request") from None
    if bound.tzinfo is None:
        raise BadEvent("Bad Request")
    return bound


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Patch semantics: objects merge member by member, anything else (arrays too) is replaced."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = _merge(dict(target[key]), value)
        else:
            target[key] = value
    return target


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
