"""API keys for service clients: /api-keys (admin)."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, post
from litestar.params import FromPath, JSONBody

from assistme.api.access import SECURED
from assistme.api.idempotency import IDEMPOTENT
from assistme.api.identity.admin_schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from assistme.api.identity.auth import NO_STORE
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.core.identity.api_keys import CreateApiKey, DeleteApiKey, ListApiKeys
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["api keys"]
    security = SECURED

    @post(
        status_code=201,
        summary="Create a key; the answer is the only time it is shown",
        responses=responses(403),
        opt=IDEMPOTENT,
    )
    @inject
    async def create(
        self, data: JSONBody[ApiKeyCreate], principal: FromDishka[Principal], create: FromDishka[CreateApiKey]
    ) -> Response[ApiKeyCreated]:
        key, secret = await create(principal, data.name, data.scope_set())
        shown = ApiKeyCreated(**{f: getattr(ApiKeyOut.of(key), f) for f in ApiKeyOut.__struct_fields__}, key=secret)
        return Response(shown, status_code=201, headers=NO_STORE)

    @get(summary="List keys (never the secrets)", responses=responses(403))
    @inject
    async def list_keys(
        self,
        principal: FromDishka[Principal],
        list_keys: FromDishka[ListApiKeys],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[ApiKeyOut]:
        return PageOut.of(await list_keys(principal, PageRequest(limit, offset)), ApiKeyOut.of)

    @delete("/{key_id:str}", summary="Revoke a key: it stops working at once", responses=responses(403, 404))
    @inject
    async def remove(
        self, key_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteApiKey]
    ) -> None:
        await remove(principal, parse_id(key_id, "API key"))
