"""The caller's own account: /users/me."""

from __future__ import annotations

from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody

from assistme.api.access import SECURED
from assistme.api.identity.schemas import Password, ProfilePatch, Strict, UserOut
from assistme.api.openapi import responses
from assistme.core.identity.account import ChangePassword, DeleteAccount
from assistme.core.identity.principal import Principal
from assistme.core.identity.profile import CurrentUser, UpdateProfile


class PasswordChange(Strict):
    current_password: Annotated[str, msgspec.Meta(max_length=128)]
    new_password: Password


class MeController(Controller):
    path = "/api/v1/users/me"
    tags = ["users"]
    security = SECURED

    @get(summary="The signed-in user", responses=responses(401, 403))
    @inject
    async def me(self, principal: FromDishka[Principal], current: FromDishka[CurrentUser]) -> UserOut:
        return UserOut.of(await current(principal))

    @patch(summary="Change name, time zone or saved location", responses=responses(401, 403, 422))
    @inject
    async def update(
        self, data: JSONBody[ProfilePatch], principal: FromDishka[Principal], update: FromDishka[UpdateProfile]
    ) -> UserOut:
        return UserOut.of(await update(principal, data.to_changes()))

    @delete(summary="Delete the account and everything it owns", responses=responses(401, 403, 409))
    @inject
    async def remove(self, principal: FromDishka[Principal], remove: FromDishka[DeleteAccount]) -> None:
        await remove(principal)

    @post(
        "/password",
        status_code=204,
        summary="Change the password; other sessions end",
        responses=responses(401, 403, 422),
    )
    @inject
    async def change_password(
        self, data: JSONBody[PasswordChange], principal: FromDishka[Principal], change: FromDishka[ChangePassword]
    ) -> None:
        await change(principal, data.current_password, data.new_password)
