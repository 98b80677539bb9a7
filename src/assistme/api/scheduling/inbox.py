"""The inbox: /notifications."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery

from assistme.api.access import SECURED
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset
from assistme.api.scheduling.schemas import InboxOut
from assistme.core.identity.principal import Principal
from assistme.core.scheduling.inbox import DeleteNotification, ListNotifications, ReadNotifications
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest


class InboxController(Controller):
    path = "/api/v1/notifications"
    tags = ["scheduling"]
    security = SECURED

    @get(summary="The caller's inbox, newest first, with the unread count")
    @inject
    async def inbox(
        self,
        principal: FromDishka[Principal],
        list_entries: FromDishka[ListNotifications],
        unread: FromQuery[bool] = False,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> InboxOut:
        return InboxOut.of(await list_entries(principal, unread, PageRequest(limit, offset)))

    @post("/read-all", status_code=204, summary="Mark every entry read")
    @inject
    async def read_all(self, principal: FromDishka[Principal], read: FromDishka[ReadNotifications]) -> None:
        await read(principal)

    @post("/{entry_id:str}/read", status_code=204, summary="Mark one entry read", responses=responses(404))
    @inject
    async def read_one(
        self, entry_id: FromPath[str], principal: FromDishka[Principal], read: FromDishka[ReadNotifications]
    ) -> None:
        await read(principal, parse_id(entry_id, "notification"))

    @delete("/{entry_id:str}", summary="Delete an entry", responses=responses(404))
    @inject
    async def remove(
        self, entry_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteNotification]
    ) -> None:
        await remove(principal, parse_id(entry_id, "notification"))
