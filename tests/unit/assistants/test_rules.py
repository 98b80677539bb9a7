"""The assistants context's rules: ownership, tool sets, the catalog's built-ins, secretaries."""

from __future__ import annotations

import uuid

import pytest

from assistme.core.assistants.assistants import AssistantChanges, CreateAssistant, GetAssistant, UpdateAssistant
from assistme.core.assistants.entities import AssistantSpec, ToolSpec, ToolType
from assistme.core.assistants.secretaries import MySecretary, Secretaries
from assistme.core.assistants.tools import CreateTool, DeleteTool, ToolChanges, UpdateTool
from assistme.core.identity.entities import Role
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.unit.assistants.fakes import Catalog

OWNER = Principal(uuid.uuid4())
STRANGER = Principal(uuid.uuid4())
ADMIN = Principal(uuid.uuid4(), Role.ADMIN)


async def made(catalog: Catalog, **extra: object) -> uuid.UUID:
    spec = AssistantSpec("Jeeves", "m", "", **extra)  # type: ignore[arg-type]
    return (await CreateAssistant(catalog.assistants, catalog.tools, catalog.uow)(OWNER, spec)).id


async def test_someone_elses_assistant_is_not_found_but_an_admin_sees_it() -> None:
    catalog = Catalog()
    assistant_id = await made(catalog)
    with pytest.raises(NotFound):
        await GetAssistant(catalog.assistants)(STRANGER, assistant_id)
    assert (await GetAssistant(catalog.assistants)(ADMIN, assistant_id)).owner_id == OWNER.user_id


async def test_tool_ids_are_deduplicated_and_an_unknown_one_changes_nothing() -> None:
    catalog = Catalog()
    a, b = catalog.tools.put("a"), catalog.tools.put("b")
    assistant_id = await made(catalog, tool_ids=(a.id, b.id, a.id))
    assert catalog.assistants.rows[assistant_id].tool_ids == [a.id, b.id]
    saves = catalog.assistants.saves
    update = UpdateAssistant(catalog.assistants, catalog.tools, catalog.uow)
    with pytest.raises(InvalidInput):
        await update(OWNER, assistant_id, AssistantChanges(name="other", tool_ids=[b.id, uuid.uuid4()]))
    assert catalog.assistants.saves == saves
    assert catalog.assistants.rows[assistant_id].name == "Jeeves"


async def test_builtin_tools_keep_name_and_type_and_are_never_deleted() -> None:
    catalog = Catalog()
    builtin = catalog.tools.put("time", builtin=True)
    update = UpdateTool(catalog.tools, catalog.checker, catalog.uow)
    with pytest.raises(Conflict):
        await update(ADMIN, builtin.id, ToolChanges(name="clock"))
    with pytest.raises(Conflict):
        await update(ADMIN, builtin.id, ToolChanges(tool_type=ToolType.WEATHER))
    assert (
        await update(ADMIN, builtin.id, ToolChanges(description="what time is it"))
    ).description == "what time is it"
    with pytest.raises(Conflict):
        await DeleteTool(catalog.tools, catalog.uow)(ADMIN, builtin.id)
    with pytest.raises(PermissionDenied):
        await DeleteTool(catalog.tools, catalog.uow)(OWNER, builtin.id)


async def test_a_tool_schema_must_describe_an_object() -> None:
    catalog = Catalog()
    create = CreateTool(catalog.tools, catalog.checker, catalog.uow)
    with pytest.raises(InvalidInput) as caught:
        await create(ADMIN, ToolSpec("list_tool", ToolType.TIME, "", {"type": "array"}))
    assert caught.value.errors[0].field == "input_schema"
    assert catalog.tools.rows == {}


async def test_linking_a_secretary_ends_the_previous_link_and_keeps_it_as_history() -> None:
    catalog = Catalog()
    first, second = await made(catalog, is_secretary=True), await made(catalog, is_secretary=True)
    mine = MySecretary(Secretaries(catalog.links, catalog.assistants, catalog.uow, catalog.clock))
    await mine.link(OWNER, first)
    await mine.link(OWNER, second)
    assert (await mine.get(OWNER)).assistant_id == second
    assert [link.unlinked_at is None for link in catalog.links.rows] == [False, True]


async def test_a_secretary_must_be_the_users_own_and_marked_is_secretary() -> None:
    catalog = Catalog()
    plain = await made(catalog)
    mine = MySecretary(Secretaries(catalog.links, catalog.assistants, catalog.uow, catalog.clock))
    with pytest.raises(InvalidInput):
        await mine.link(OWNER, plain)
    secretary = await made(catalog, is_secretary=True)
    with pytest.raises(InvalidInput):
        await mine.link(STRANGER, secretary)
    assert catalog.links.rows == []
