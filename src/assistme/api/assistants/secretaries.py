"""Secretaries: the caller's (/secretaries) and, for admins and bots, a given user's (/users/{id}/secretary)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody

from assistme.api.access import SECURED
from assistme.api.identity.schemas import Strict
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.core.assistants.entities import SecretaryLink
from assistme.core.assistants.secretaries import MySecretary, UserSecretary
from assistme.core.identity.principal import Principal


class SecretaryIn(Strict):
    assistant_id: UUID


class SecretaryOut(msgspec.Struct, kw_only=True):
    id: UUID
    user_id: UUID
    assistant_id: UUID
    linked_at: datetime

    @classmethod
    def of(cls, link: SecretaryLink) -> SecretaryOut:
        return cls(id=link.id, user_id=link.user_id, assistant_id=link.assistant_id, linked_at=link.linked_at)


class SecretaryController(Controller):
    path = "/api/v1/secretaries"
    tags = ["assistants"]
    security = SECURED

    @get(summary="The caller's secretary", responses=responses(403, 404))
    @inject
    async def current(self, principal: FromDishka[Principal], mine: FromDishka[MySecretary]) -> SecretaryOut:
        return SecretaryOut.of(await mine.get(principal))

    @post(
        status_code=201,
        summary="Make one of the caller's is_secretary assistants the secretary; the old link ends",
        responses=responses(403),
    )
    @inject
    async def link(
        self, data: JSONBody[SecretaryIn], principal: FromDishka[Principal], mine: FromDishka[MySecretary]
    ) -> SecretaryOut:
        return SecretaryOut.of(await mine.link(principal, data.assistant_id))

    @delete(summary="Unlink the caller's secretary", responses=responses(403, 404))
    @inject
    async def unlink(self, principal: FromDishka[Principal], mine: FromDishka[MySecretary]) -> None:
        await mine.unlink(principal)


class UserSecretaryController(Controller):
    path = "/api/v1/users/{user_id:str}/secretary"
    tags = ["assistants"]
    security = SECURED

    @get(summary="A user's secretary (admin, or API key with users:read)", responses=responses(403, 404))
    @inject
    async def current(
        self, user_id: FromPath[str], principal: FromDishka[Principal], theirs: FromDishka[UserSecretary]
    ) -> SecretaryOut:
        return SecretaryOut.of(await theirs.get(principal, parse_id(user_id, "user")))

    @put(summary="Link a user's secretary (admin, or API key with users:write)", responses=responses(403, 404))
    @inject
    async def link(
        self,
        user_id: FromPath[str],
        data: JSONBody[SecretaryIn],
        principal: FromDishka[Principal],
        theirs: FromDishka[UserSecretary],
    ) -> SecretaryOut:
        return SecretaryOut.of(await theirs.link(principal, parse_id(user_id, "user"), data.assistant_id))
