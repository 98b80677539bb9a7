"""The tool catalog: /tools (everyone reads, admins write)."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody

from assistme.api.access import SECURED
from assistme.api.assistants.schemas import ToolIn, ToolOut, ToolPatch
from assistme.api.idempotency import IDEMPOTENT
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.core.assistants.tools import CreateTool, DeleteTool, GetTool, ListTools, UpdateTool
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest


class ToolController(Controller):
    path = "/api/v1/tools"
    tags = ["tools"]
    security = SECURED

    @get(summary="The tool catalog, built-in tools included")
    @inject
    async def list_tools(
        self, list_tools: FromDishka[ListTools], limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
    ) -> PageOut[ToolOut]:
        return PageOut.of(await list_tools(PageRequest(limit, offset)), ToolOut.of)

    @post(status_code=201, summary="Add a tool (admin)", responses=responses(403, 409), opt=IDEMPOTENT)
    @inject
    async def create(
        self, data: JSONBody[ToolIn], principal: FromDishka[Principal], create: FromDishka[CreateTool]
    ) -> ToolOut:
        return ToolOut.of(await create(principal, data.to_spec()))

    @get("/{tool_id:str}", summary="One tool", responses=responses(404))
    @inject
    async def get_tool(self, tool_id: FromPath[str], get_tool: FromDishka[GetTool]) -> ToolOut:
        return ToolOut.of(await get_tool(parse_id(tool_id, "tool")))

    @patch(
        "/{tool_id:str}",
        summary="Change a tool (admin; a built-in one keeps its name and type)",
        responses=responses(403, 404, 409),
    )
    @inject
    async def update(
        self,
        tool_id: FromPath[str],
        data: JSONBody[ToolPatch],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateTool],
    ) -> ToolOut:
        return ToolOut.of(await update(principal, parse_id(tool_id, "tool"), data.to_changes()))

    @put("/{tool_id:str}", summary="Replace a tool (admin)", responses=responses(403, 404, 409))
    @inject
    async def replace(
        self,
        tool_id: FromPath[str],
        data: JSONBody[ToolIn],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateTool],
    ) -> ToolOut:
        return ToolOut.of(await update(principal, parse_id(tool_id, "tool"), data.to_changes()))

    @delete("/{tool_id:str}", summary="Delete a tool (admin; never a built-in one)", responses=responses(403, 404, 409))
    @inject
    async def remove(
        self, tool_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteTool]
    ) -> None:
        await remove(principal, parse_id(tool_id, "tool"))
