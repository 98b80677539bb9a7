"""A person's conversations and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.assistants.ports import AssistantRepository
from assistme.core.conversations.entities import Conversation, Message
from assistme.core.conversations.ports import ConversationRepository, MessageRepository
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import InvalidInput, NotFound
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork

LATEST = 50  # messages that come with a conversation


async def owned(conversations: ConversationRepository, principal: Principal, conversation_id: UUID) -> Conversation:
    conversation = await conversations.get(conversation_id)
    if conversation is None or conversation.owner_id != principal.require_user():
        raise NotFound("no such conversation")
    return conversation


@dataclass(slots=True)
class CreateConversation:
    """A conversation with one of the caller's assistants, or (none given) with whoever is their secretary."""

    conversations: ConversationRepository
    assistants: AssistantRepository
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, title: str | None, assistant_id: UUID | None) -> Conversation:
        owner = principal.require_user()
        if assistant_id is not None:
            assistant = await self.assistants.get(assistant_id)
            if assistant is None or assistant.owner_id != owner:
                raise InvalidInput.field("assistant_id", "is not one of your assistants")
        conversation = await self.conversations.add(owner, title, assistant_id, self.clock.now())
        await self.uow.commit()
        return conversation


@dataclass(slots=True)
class ListConversations:
    conversations: ConversationRepository

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[Conversation]:
        return await self.conversations.page(principal.require_user(), page)


@dataclass(slots=True)
class GetConversation:
    """The conversation with its latest 50 messages, oldest first."""

    conversations: ConversationRepository
    messages: MessageRepository

    async def __call__(self, principal: Principal, conversation_id: UUID) -> tuple[Conversation, list[Message]]:
        conversation = await owned(self.conversations, principal, conversation_id)
        return conversation, await self.messages.latest(conversation.id, LATEST)


@dataclass(slots=True)
class ListMessages:
    conversations: ConversationRepository
    messages: MessageRepository

    async def __call__(self, principal: Principal, conversation_id: UUID, page: PageRequest) -> Page[Message]:
        conversation = await owned(self.conversations, principal, conversation_id)
        return await self.messages.page(conversation.id, page)


@dataclass(slots=True)
class DeleteConversation:
    """With its messages and pending actions."""

    conversations: ConversationRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, conversation_id: UUID) -> None:
        conversation = await owned(self.conversations, principal, conversation_id)
        await self.conversations.delete(conversation.id)
        await self.uow.commit()
