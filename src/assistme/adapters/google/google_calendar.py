"""Google Calendar (API v3): list, create, move and delete the user's events. Answers are normalised events with
times in UTC (``Z``), or the date for an all-day event, never Google's raw resource."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from assistme.adapters.google.api import AlreadyExists
from assistme.adapters.google.registry import GoogleProvider, register, segment
from assistme.core.integrations.catalog import Action, ProviderSpec, params
from assistme.core.shared.errors import InvalidInput

EVENTS = "https://www.googleapis.com/auth/calendar.events"

_TIME = {"type": "string", "format": "date-time", "maxLength": 64, "description": "RFC 3339, with an offset"}
_CALENDAR = {"type": "string", "minLength": 1, "maxLength": 255, "default": "primary", "description": "primary"}
_EVENT_ID = {"type": "string", "minLength": 1, "maxLength": 1024}
_FIELDS: dict[str, Any] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 1024},
    "start": _TIME,
    "end": _TIME,
    "description": {"type": "string", "maxLength": 8000},
    "location": {"type": "string", "maxLength": 1024},
    "attendees": {
        "type": "array",
        "items": {"type": "string", "format": "email", "minLength": 3, "maxLength": 320},
        "maxItems": 100,
    },
    "time_zone": {"type": "string", "minLength": 1, "maxLength": 64, "description": "IANA, e.g. Europe/Berlin"},
    "calendar_id": _CALENDAR,
}
SPEC = ProviderSpec(
    name="google_calendar",
    title="Google Calendar",
    scopes=(EVENTS,),
    actions=(
        Action(
            "list_events",
            "Events between two instants (from now on by default), soonest first",
            params(
                {
                    "from": {**_TIME, "description": "Events ending after this instant; now by default"},
                    "to": {**_TIME, "description": "Events starting before this instant"},
                    "max_results": {"type": "integer", "minimum": 1, "maximum": 250, "default": 25},
                    "calendar_id": _CALENDAR,
                }
            ),
            (EVENTS,),
        ),
        Action("create_event", "Add an event", params(_FIELDS, ("title", "start", "end")), (EVENTS,), writes=True),
        Action(
            "update_event",
            "Change the given fields of an event",
            params({"event_id": _EVENT_ID, **_FIELDS}, ("event_id",)),
            (EVENTS,),
            writes=True,
        ),
        Action(
            "delete_event",
            "Delete an event",
            params({"event_id": _EVENT_ID, "calendar_id": _CALENDAR}, ("event_id",)),
            (EVENTS,),
            writes=True,
        ),
    ),
)


@register
class GoogleCalendar(GoogleProvider):
    spec: ClassVar[ProviderSpec] = SPEC
    default_base: ClassVar[str] = "https://www.googleapis.com"

    async def list_events(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        query: dict[str, Any] = {
            "timeMin": p.get("from") or datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "maxResults": p.get("max_results", 25),
            "singleEvents": "true",  # recurring events as their occurrences, which orderBy=startTime needs
            "orderBy": "startTime",
        }
        if p.get("to"):
            query["timeMax"] = p["to"]
        answer = await self.api.call("GET", _events(p), token, query=query)
        return {"events": [event(item) for item in answer.get("items") or [] if isinstance(item, dict)]}

    async def create_event(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        # An id of our choosing makes a retried insert idempotent: Google answers the repeat 409 duplicate. Hex
        # digits are base32hex, which Google asks for (a-v, 0-9, 5 to 1024 characters).
        event_id = uuid.uuid4().hex
        try:
            return event(await self.api.call("POST", _events(p), token, body={"id": event_id, **_resource(p)}))
        except AlreadyExists:  # an earlier attempt of this call got through unanswered: that is the event
            return event(await self.api.call("GET", f"{_events(p)}/{event_id}", token))

    async def update_event(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        changes = _resource(p)
        if not changes:
            raise InvalidInput.field("params", "give at least one field to change")
        path = f"{_events(p)}/{segment(p['event_id'])}"
        return event(await self.api.call("PATCH", path, token, body=changes))

    async def delete_event(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        await self.api.call("DELETE", f"{_events(p)}/{segment(p['event_id'])}", token)
        return {"deleted": True, "id": p["event_id"]}


def _events(p: dict[str, Any]) -> str:
    return f"/calendar/v3/calendars/{segment(p.get('calendar_id') or 'primary')}/events"


def _resource(p: dict[str, Any]) -> dict[str, Any]:
    """The fields of an event resource the parameters give (all of them for an insert, some for a patch)."""
    resource: dict[str, Any] = {}
    for name, field in (("title", "summary"), ("description", "description"), ("location", "location")):
        if name in p:
            resource[field] = p[name]
    zone = {"timeZone": p["time_zone"]} if p.get("time_zone") else {}
    for name in ("start", "end"):
        if name in p:
            resource[name] = {"dateTime": p[name], **zone}
    if "attendees" in p:
        resource["attendees"] = [{"email": email} for email in dict.fromkeys(p["attendees"])]
    return resource


def event(resource: dict[str, Any]) -> dict[str, Any]:
    start, end = resource.get("start") or {}, resource.get("end") or {}
    return {
        "id": resource.get("id"),
        "title": resource.get("summary", ""),
        "start": _when(start),
        "end": _when(end),
        "all_day": "date" in start and "dateTime" not in start,
        "time_zone": start.get("timeZone"),
        "location": resource.get("location"),
        "description": resource.get("description"),
        "attendees": [
            {"email": a.get("email"), "name": a.get("displayName"), "response": a.get("responseStatus")}
            for a in resource.get("attendees") or []
            if isinstance(a, dict)
        ],
        "status": resource.get("status"),
        "html_link": resource.get("htmlLink"),
    }


def _when(moment: dict[str, Any]) -> str | None:
    """A timed event's instant in UTC with ``Z``; an all-day event's date as it is."""
    if "dateTime" not in moment:
        return str(moment["date"]) if "date" in moment else None
    try:
        instant = datetime.fromisoformat(str(moment["dateTime"]))
    except ValueError:
        return str(moment["dateTime"])
    if instant.tzinfo is None:
        return instant.isoformat()
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
