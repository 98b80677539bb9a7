"""dishka providers: conversations, the agent loop and agent tasks."""

from __future__ import annotations

import httpx
from dishka import Provider, Scope, provide, provide_all

from assistme.adapters.llm.openai_chat import ConfiguredModels, OpenAiChat
from assistme.adapters.persistence.conversations import (
    SqlConversationRepository,
    SqlMessageRepository,
    SqlPendingActionRepository,
)
from assistme.adapters.persistence.tasks import SqlTaskRepository
from assistme.config import Settings
from assistme.core.conversations.agent import AgentLoop
from assistme.core.conversations.chat import SendMessage
from assistme.core.conversations.conversations import (
    CreateConversation,
    DeleteConversation,
    GetConversation,
    ListConversations,
    ListMessages,
)
from assistme.core.conversations.decisions import ConfirmAction, RejectAction
from assistme.core.conversations.job_tasks import ReportJobTask, SubmitJobTask
from assistme.core.conversations.model import LanguageModels
from assistme.core.conversations.policy import AgentPolicy
from assistme.core.conversations.ports import (
    ConversationRepository,
    MessageRepository,
    PendingActionRepository,
    TaskOutcomes,
    TaskRepository,
)
from assistme.core.conversations.task_runner import RunTask, SweepTasks
from assistme.core.conversations.tasks import EnqueueTask, GetTask, ListTasks, SubmitTask
from assistme.core.conversations.toolbox import ToolBox
from assistme.core.scheduling.ports import (
    JobTasks,
)


class Conversations(Provider):
    conversations = provide(SqlConversationRepository, scope=Scope.REQUEST, provides=ConversationRepository)
    messages = provide(SqlMessageRepository, scope=Scope.REQUEST, provides=MessageRepository)
    pending = provide(SqlPendingActionRepository, scope=Scope.REQUEST, provides=PendingActionRepository)
    tasks = provide(SqlTaskRepository, scope=Scope.REQUEST, provides=TaskRepository)
    job_tasks = provide(SubmitJobTask, scope=Scope.REQUEST, provides=JobTasks)
    outcomes = provide(ReportJobTask, scope=Scope.REQUEST, provides=TaskOutcomes)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> AgentPolicy:
        # Between two extensions a task or a reply waits on one model call, retries included: outlast that.
        lease = max(300, int(settings.llm_timeout * (settings.llm_retries + 1)) + 60)
        return AgentPolicy(
            max_steps=settings.agent_max_steps,
            token_budget=settings.agent_token_budget,
            history_chars=settings.agent_history_chars,
            max_depth=settings.agent_max_depth,
            chat_limit=settings.chat_rate_limit,
            task_limit=settings.task_rate_limit,
            task_lease=lease,
            reply_lease=lease,
        )

    @provide(scope=Scope.APP)
    def models(self, settings: Settings, client: httpx.AsyncClient) -> LanguageModels:
        def server(base_url: str | None, key: str | None, model: str | None) -> OpenAiChat | None:
            if base_url is None:
                return None
            return OpenAiChat(
                client, base_url, key, model=model, timeout=settings.llm_timeout, retries=settings.llm_retries
            )

        openai = (
            server(settings.openai_base_url, settings.openai_api_key, settings.openai_model)
            if settings.openai_api_key
            else None
        )
        return ConfiguredModels(server(settings.llm_base_url, settings.llm_api_key, settings.llm_model), openai)

    use_cases = provide_all(
        ToolBox,
        AgentLoop,
        CreateConversation,
        ListConversations,
        GetConversation,
        ListMessages,
        DeleteConversation,
        SendMessage,
        ConfirmAction,
        RejectAction,
        EnqueueTask,
        SubmitTask,
        ListTasks,
        GetTask,
        RunTask,
        SweepTasks,
        scope=Scope.REQUEST,
    )
