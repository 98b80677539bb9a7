"""Linking a Telegram chat: the person asks for a code, the bot presents it with the chat."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, post
from litestar.params import JSONBody

from assistme.api.access import SECURED
from assistme.api.openapi import responses
from assistme.api.scheduling.schemas import LinkCodeOut, TelegramLinkIn
from assistme.core.identity.principal import Principal
from assistme.core.scheduling.telegram_link import IssueTelegramLinkCode, LinkTelegramChat, UnlinkTelegramChat


class MyTelegramController(Controller):
    path = "/api/v1/users/me/telegram-link"
    tags = ["users"]
    security = SECURED

    @post(status_code=200, summary="A one-time code to send to the bot (10 minutes)")
    @inject
    async def issue(self, principal: FromDishka[Principal], issue: FromDishka[IssueTelegramLinkCode]) -> LinkCodeOut:
        return LinkCodeOut.of(await issue(principal))

    @delete(summary="Stop notifications to the linked Telegram chat")
    @inject
    async def unlink(self, principal: FromDishka[Principal], unlink: FromDishka[UnlinkTelegramChat]) -> None:
        await unlink(principal)


class TelegramController(Controller):
    path = "/api/v1/telegram"
    tags = ["users"]
    security = SECURED

    @post(
        "/link",
        status_code=204,
        summary="The bot presents a code from a chat: that chat gets the code owner's notifications",
        description="Admin, or an API key with the users:write scope.",
        responses=responses(403, 409, 422),
    )
    @inject
    async def link(
        self, data: JSONBody[TelegramLinkIn], principal: FromDishka[Principal], link: FromDishka[LinkTelegramChat]
    ) -> None:
        await link(principal, data.code, data.chat_id, data.telegram_id)
