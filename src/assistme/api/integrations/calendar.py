"""/calendar: the caller's Google Calendar events, and credentials that service clients import for a user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from assistme.api.access import SECURED
from assistme.api.ids import parse_id
from assistme.api.integrations.schemas import CalendarCredentialsIn, ConnectionOut
from assistme.api.openapi import responses
from assistme.core.identity.principal import Principal
from assistme.core.integrations.actions import ProviderAction
from assistme.core.integrations.imports import (
    CALENDAR,
    CalendarCredentials,
    DeleteCalendarCredentials,
    ImportCalendarCredentials,
)
from assistme.core.shared.pagination import DEFAULT_LIMIT, MAX_LIMIT

From = Annotated[datetime | None, QueryParameter(name="from", description="Events ending after this instant")]
To = Annotated[datetime | None, QueryParameter(description="Events starting before this instant")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"At most this many events, 1 to {MAX_LIMIT}")]
ACTION_ERRORS = responses(403, 404, 409, 422, 503)


class CalendarEventsController(Controller):
    path = "/api/v1/calendar/events"
    tags = ["calendar"]
    security = SECURED

    @get(summary="Upcoming events from the caller's Google Calendar", responses=ACTION_ERRORS)
    @inject
    async def list_events(
        self,
        principal: FromDishka[Principal],
        run: FromDishka[ProviderAction],
        from_: From = None,
        to: To = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"max_results": limit}
        params |= {key: value.isoformat() for key, value in (("from", from_), ("to", to)) if value is not None}
        result: dict[str, Any] = await run(principal, CALENDAR, "list_events", params)
        return result

    @post(status_code=201, summary="Create an event", responses=ACTION_ERRORS)
    @inject
    async def create_event(
        self, data: JSONBody[dict[str, Any]], principal: FromDishka[Principal], run: FromDishka[ProviderAction]
    ) -> dict[str, Any]:
        event: dict[str, Any] = await run(principal, CALENDAR, "create_event", data)
        return event

    @patch("/{event_id:str}", summary="Move or edit an event", responses=ACTION_ERRORS)
    @inject
    async def update_event(
        self,
        event_id: FromPath[str],
        data: JSONBody[dict[str, Any]],
        principal: FromDishka[Principal],
        run: FromDishka[ProviderAction],
    ) -> dict[str, Any]:
        event: dict[str, Any] = await run(principal, CALENDAR, "update_event", {**data, "event_id": event_id})
        return event

    @delete("/{event_id:str}", summary="Delete an event", responses=ACTION_ERRORS)
    @inject
    async def delete_event(
        self, event_id: FromPath[str], principal: FromDishka[Principal], run: FromDishka[ProviderAction]
    ) -> None:
        await run(principal, CALENDAR, "delete_event", {"event_id": event_id})


class CalendarCredentialsController(Controller):
    path = "/api/v1/calendar/{user_id:str}"
    tags = ["calendar"]
    security = SECURED

    @get(summary="The user's imported Google Calendar credentials: metadata only", responses=responses(403, 404))
    @inject
    async def show(
        self, user_id: FromPath[str], principal: FromDishka[Principal], show: FromDishka[CalendarCredentials]
    ) -> ConnectionOut:
        return ConnectionOut.of(await show(principal, parse_id(user_id, "user")))

    @put(
        summary="Import a user's Google Calendar credentials (admin or API key)",
        description="Stored as the user's google_calendar connection, encrypted; replaces an earlier one.",
        responses=responses(403, 404, 422),
    )
    @inject
    async def store(
        self,
        user_id: FromPath[str],
        data: JSONBody[CalendarCredentialsIn],
        principal: FromDishka[Principal],
        store: FromDishka[ImportCalendarCredentials],
    ) -> ConnectionOut:
        return ConnectionOut.of(await store(principal, parse_id(user_id, "user"), data.to_credentials()))

    @delete(summary="Forget a user's imported Google Calendar credentials", responses=responses(403, 404))
    @inject
    async def forget(
        self,
        user_id: FromPath[str],
        principal: FromDishka[Principal],
        forget: FromDishka[DeleteCalendarCredentials],
    ) -> None:
        await forget(principal, parse_id(user_id, "user"))
