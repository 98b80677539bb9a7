"""/conversations: talking with an assistant, and deciding on the writes it proposes."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from assistme.api.access import SECURED
from assistme.api.conversations.schemas import (
    ActionOut,
    ConversationDetailOut,
    ConversationIn,
    ConversationOut,
    ExchangeOut,
    MessageIn,
    MessageOut,
)
from assistme.api.idempotency import IDEMPOTENT
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.core.conversations.chat import SendMessage
from assistme.core.conversations.conversations import (
    CreateConversation,
    DeleteConversation,
    GetConversation,
    ListConversations,
    ListMessages,
)
from assistme.core.conversations.decisions import ConfirmAction, RejectAction
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest


class ConversationController(Controller):
    path = "/api/v1/conversations"
    tags = ["conversations"]
    security = SECURED

    @get(summary="The caller's conversations, most recent first")
    @inject
    async def list_conversations(
        self,
        principal: FromDishka[Principal],
        conversations: FromDishka[ListConversations],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[ConversationOut]:
        return PageOut.of(await conversations(principal, PageRequest(limit, offset)), ConversationOut.of)

    @post(
        status_code=201,
        summary="Start a conversation (with the secretary unless assistant_id is given)",
        opt=IDEMPOTENT,
    )
    @inject
    async def create(
        self, data: JSONBody[ConversationIn], principal: FromDishka[Principal], create: FromDishka[CreateConversation]
    ) -> ConversationOut:
        return ConversationOut.of(await create(principal, data.title, data.assistant_id))

    @get("/{conversation_id:str}", summary="A conversation with its latest 50 messages", responses=responses(404))
    @inject
    async def show(
        self, conversation_id: FromPath[str], principal: FromDishka[Principal], show: FromDishka[GetConversation]
    ) -> ConversationDetailOut:
        conversation, messages = await show(principal, parse_id(conversation_id, "conversation"))
        return ConversationDetailOut.of(conversation, messages)

    @delete("/{conversation_id:str}", summary="Delete a conversation and its messages", responses=responses(404))
    @inject
    async def remove(
        self, conversation_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteConversation]
    ) -> None:
        await remove(principal, parse_id(conversation_id, "conversation"))

    @get("/{conversation_id:str}/messages", summary="Every message, oldest first", responses=responses(404))
    @inject
    async def messages(
        self,
        conversation_id: FromPath[str],
        principal: FromDishka[Principal],
        messages: FromDishka[ListMessages],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[MessageOut]:
        found = await messages(principal, parse_id(conversation_id, "conversation"), PageRequest(limit, offset))
        return PageOut.of(found, MessageOut.of)

    @post(
        "/{conversation_id:str}/messages",
        status_code=201,
        summary="Send a message: the assistant answers, using its tools",
        description="The person's message is kept even when the model fails (502, or 503 when it is unreachable "
        "or not configured). Calendar and mail writes come back as pending actions to confirm. One reply at a time "
        "per conversation: a message sent while another is being answered is 409, and not stored.",
        responses=responses(404, 409, 422, 429, 502, 503),
        opt=IDEMPOTENT,
    )
    @inject
    async def send(
        self,
        conversation_id: FromPath[str],
        data: JSONBody[MessageIn],
        principal: FromDishka[Principal],
        send: FromDishka[SendMessage],
    ) -> ExchangeOut:
        return ExchangeOut.of(await send(principal, parse_id(conversation_id, "conversation"), data.content))

    @post(
        "/{conversation_id:str}/actions/{action_id:str}/confirm",
        status_code=200,
        summary="Run a write the assistant proposed",
        responses=responses(404, 409, 503),
    )
    @inject
    async def confirm(
        self,
        conversation_id: FromPath[str],
        action_id: FromPath[str],
        principal: FromDishka[Principal],
        confirm: FromDishka[ConfirmAction],
    ) -> ActionOut:
        ids = parse_id(conversation_id, "conversation"), parse_id(action_id, "action")
        return ActionOut.of(await confirm(principal, *ids))

    @post(
        "/{conversation_id:str}/actions/{action_id:str}/reject",
        status_code=200,
        summary="Refuse a write the assistant proposed",
        responses=responses(404, 409),
    )
    @inject
    async def reject(
        self,
        conversation_id: FromPath[str],
        action_id: FromPath[str],
        principal: FromDishka[Principal],
        reject: FromDishka[RejectAction],
    ) -> ActionOut:
        ids = parse_id(conversation_id, "conversation"), parse_id(action_id, "action")
        return ActionOut.of(await reject(principal, *ids))
