"""Assistants: /assistants and their tools."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from assistme.api.access import SECURED
from assistme.api.assistants.schemas import AssistantIn, AssistantOut, AssistantPatch
from assistme.api.idempotency import IDEMPOTENT
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.core.assistants.assistants import (
    AttachTool,
    CreateAssistant,
    DeleteAssistant,
    GetAssistant,
    ListAssistants,
    UpdateAssistant,
)
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest

Query = Annotated[str | None, QueryParameter(max_length=200, description="Part of a name or description")]


class AssistantController(Controller):
    path = "/api/v1/assistants"
    tags = ["assistants"]
    security = SECURED

    @get(summary="The caller's assistants (an admin sees everyone's)")
    @inject
    async def list_assistants(  # noqa: PLR0917 (query parameters)
        self,
        principal: FromDishka[Principal],
        list_assistants: FromDishka[ListAssistants],
        is_secretary: FromQuery[bool | None] = None,
        q: Query = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[AssistantOut]:
        page = await list_assistants(principal, is_secretary, q, PageRequest(limit, offset))
        return PageOut.of(page, AssistantOut.of)

    @post(status_code=201, summary="Create an assistant owned by the caller", opt=IDEMPOTENT)
    @inject
    async def create(
        self, data: JSONBody[AssistantIn], principal: FromDishka[Principal], create: FromDishka[CreateAssistant]
    ) -> AssistantOut:
        return AssistantOut.of(await create(principal, data.to_spec()))

    @get("/{assistant_id:str}", summary="One assistant (owner or admin)", responses=responses(404))
    @inject
    async def get_assistant(
        self, assistant_id: FromPath[str], principal: FromDishka[Principal], get_one: FromDishka[GetAssistant]
    ) -> AssistantOut:
        return AssistantOut.of(await get_one(principal, parse_id(assistant_id, "assistant")))

    @patch("/{assistant_id:str}", summary="Change an assistant; tool_ids replaces the set", responses=responses(404))
    @inject
    async def update(
        self,
        assistant_id: FromPath[str],
        data: JSONBody[AssistantPatch],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateAssistant],
    ) -> AssistantOut:
        return AssistantOut.of(await update(principal, parse_id(assistant_id, "assistant"), data.to_changes()))

    @put("/{assistant_id:str}", summary="Replace an assistant", responses=responses(404))
    @inject
    async def replace(
        self,
        assistant_id: FromPath[str],
        data: JSONBody[AssistantIn],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateAssistant],
    ) -> AssistantOut:
        return AssistantOut.of(await update(principal, parse_id(assistant_id, "assistant"), data.to_changes()))

    @delete("/{assistant_id:str}", summary="Delete an assistant with its tool attachments", responses=responses(404))
    @inject
    async def remove(
        self, assistant_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteAssistant]
    ) -> None:
        await remove(principal, parse_id(assistant_id, "assistant"))

    @put(
        "/{assistant_id:str}/tools/{tool_id:str}",
        status_code=204,
        summary="Let the assistant use a tool",
        responses=responses(404),
    )
    @inject
    async def attach(
        self,
        assistant_id: FromPath[str],
        tool_id: FromPath[str],
        principal: FromDishka[Principal],
        attach: FromDishka[AttachTool],
    ) -> None:
        await attach(principal, parse_id(assistant_id, "assistant"), parse_id(tool_id, "tool"), attach=True)

    @delete(
        "/{assistant_id:str}/tools/{tool_id:str}",
        summary="Take a tool away from the assistant",
        responses=responses(404),
    )
    @inject
    async def detach(
        self,
        assistant_id: FromPath[str],
        tool_id: FromPath[str],
        principal: FromDishka[Principal],
        attach: FromDishka[AttachTool],
    ) -> None:
        await attach(principal, parse_id(assistant_id, "assistant"), parse_id(tool_id, "tool"), attach=False)
