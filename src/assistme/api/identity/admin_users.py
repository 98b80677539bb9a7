"""Managing accounts: /users (admins, and API keys with the users scopes)."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from assistme.api.access import SECURED
from assistme.api.identity.admin_schemas import UserCreate, UserPatch, UserReplace
from assistme.api.identity.schemas import UserOut
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.core.identity.admin_users import CreateUser, DeleteUser, GetUser, ListUsers, UpdateUser, UserByTelegram
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest

Query = Annotated[str | None, QueryParameter(max_length=200, description="Part of an email or a name")]


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    security = SECURED

    @get(summary="List accounts (admin, or API key with users:read)", responses=responses(403))
    @inject
    async def list_users(
        self,
        principal: FromDishka[Principal],
        list_users: FromDishka[ListUsers],
        q: Query = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[UserOut]:
        return PageOut.of(await list_users(principal, q, PageRequest(limit, offset)), UserOut.of)

    @post(
        status_code=201, summary="Create an account (admin, or API key with users:write)", responses=responses(403, 409)
    )
    @inject
    async def create(
        self, data: JSONBody[UserCreate], principal: FromDishka[Principal], create: FromDishka[CreateUser]
    ) -> UserOut:
        return UserOut.of(await create(principal, data.to_command()))

    @get(
        "/by-telegram/{telegram_id:int}", summary="The account linked to a Telegram user", responses=responses(403, 404)
    )
    @inject
    async def by_telegram(
        self, telegram_id: FromPath[int], principal: FromDishka[Principal], find: FromDishka[UserByTelegram]
    ) -> UserOut:
        return UserOut.of(await find(principal, telegram_id))

    @get("/{user_id:str}", summary="One account (admin)", responses=responses(403, 404))
    @inject
    async def get_user(
        self, user_id: FromPath[str], principal: FromDishka[Principal], get: FromDishka[GetUser]
    ) -> UserOut:
        return UserOut.of(await get(principal, parse_id(user_id, "user")))

    @patch(
        "/{user_id:str}",
        summary="Change an account; a role change or deactivation ends its sessions (admin)",
        responses=responses(403, 404, 409),
    )
    @inject
    async def update(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserPatch],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateUser],
    ) -> UserOut:
        return UserOut.of(await update(principal, parse_id(user_id, "user"), data.to_changes()))

    @put("/{user_id:str}", summary="Replace an account's editable fields (admin)", responses=responses(403, 404, 409))
    @inject
    async def replace(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserReplace],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateUser],
    ) -> UserOut:
        return UserOut.of(await update(principal, parse_id(user_id, "user"), data.to_changes()))

    @delete(
        "/{user_id:str}", summary="Delete an account and everything it owns (admin)", responses=responses(403, 404, 409)
    )
    @inject
    async def remove(
        self, user_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteUser]
    ) -> None:
        await remove(principal, parse_id(user_id, "user"))
