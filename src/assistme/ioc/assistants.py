"""dishka providers: assistants, tools and secretaries."""

from __future__ import annotations

from dishka import Provider, Scope, provide, provide_all

from assistme.adapters.persistence.assistants import SqlAssistantRepository, SqlToolRepository
from assistme.adapters.persistence.secretaries import SqlSecretaryRepository
from assistme.adapters.validation.json_schema import JsonSchemaChecker
from assistme.core.assistants.assistants import (
    AttachTool,
    CreateAssistant,
    DeleteAssistant,
    GetAssistant,
    ListAssistants,
    UpdateAssistant,
)
from assistme.core.assistants.ports import AssistantRepository, SchemaChecker, SecretaryRepository, ToolRepository
from assistme.core.assistants.secretaries import MySecretary, Secretaries, UserSecretary
from assistme.core.assistants.tools import CreateTool, DeleteTool, GetTool, ListTools, UpdateTool


class Assistants(Provider):
    assistants = provide(SqlAssistantRepository, scope=Scope.REQUEST, provides=AssistantRepository)
    tools = provide(SqlToolRepository, scope=Scope.REQUEST, provides=ToolRepository)
    checker = provide(JsonSchemaChecker, scope=Scope.APP, provides=SchemaChecker)
    secretary_links = provide(SqlSecretaryRepository, scope=Scope.REQUEST, provides=SecretaryRepository)
    use_cases = provide_all(
        ListTools,
        GetTool,
        CreateTool,
        UpdateTool,
        DeleteTool,
        ListAssistants,
        GetAssistant,
        CreateAssistant,
        UpdateAssistant,
        DeleteAssistant,
        AttachTool,
        Secretaries,
        MySecretary,
        UserSecretary,
        scope=Scope.REQUEST,
    )
