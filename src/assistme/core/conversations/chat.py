"""A person's message and the assistant's reply, tool calls executed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from assistme.core.assistants.entities import Assistant
from assistme.core.assistants.ports import AssistantRepository, SecretaryRepository
from assistme.core.conversations.agent import AgentLoop, Listener, Step
from assistme.core.conversations.conversations import owned
from assistme.core.conversations.entities import Conversation, Message, MessageRole, NewMessage
from assistme.core.conversations.history import within_budget
from assistme.core.conversations.model import Turn
from assistme.core.conversations.policy import MAX_CONTENT, AgentPolicy
from assistme.core.conversations.ports import ConversationRepository, MessageRepository
from assistme.core.conversations.toolbox import Caller
from assistme.core.identity.ports import Throttle, UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, InvalidInput, NotFound, RateLimited
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import Events


@dataclass(slots=True)
class Exchange:
    """What one message added to the conversation, in order: the person's, the steps, the reply last."""

    messages: list[Message] = field(default_factory=list)
    pending_actions: list[UUID] = field(default_factory=list)  # writes the model proposed, awaiting the person

    @property
    def reply(self) -> Message:
        return self.messages[-1]


def message_data(message: Message) -> dict[str, object]:
    return {
        "conversation_id": str(message.conversation_id),
        "message_id": str(message.id),
        "role": message.role.value,
        "content": message.content,
    }


async def answering(
    conversation: Conversation, assistants: AssistantRepository, secretaries: SecretaryRepository
) -> Assistant:
    """The conversation's assistant, or the owner's secretary."""
    assistant_id = conversation.assistant_id
    if assistant_id is None:
        link = await secretaries.active(conversation.owner_id)
        assistant_id = link.assistant_id if link is not None else None
    assistant = await assistants.get(assistant_id) if assistant_id is not None else None
    if assistant is None or assistant.owner_id != conversation.owner_id:
        raise Conflict("this conversation has no assistant: choose one for it, or link a secretary")
    return assistant


@dataclass(slots=True)
class SendMessage:
    """The person's message is stored (and committed) first, so a failing model loses nothing: it answers 502 or
    503 and the message stays. The reply sees the assistant's instructions and the conversation so far within the
    history budget, oldest dropped first; every step (tool calls with their arguments and results, secrets
    masked) is stored as it happens, so a client that goes away mid-reply finds the messages there. One reply at a
    time per conversation: a message sent while another is answered (a second tab, the socket beside HTTP) is a
    409, so replies never interleave."""

    conversations: ConversationRepository
    messages: MessageRepository
    assistants: AssistantRepository
    secretaries: SecretaryRepository
    users: UserRepository
    agent: AgentLoop
    throttle: Throttle
    policy: AgentPolicy
    events: Events
    uow: UnitOfWork
    clock: Clock

    async def __call__(
        self,
        principal: Principal,
        conversation_id: UUID,
        content: str,
        on_delta: Callable[[str], Awaitable[None]] | None = None,
        on_message: Callable[[Message], Awaitable[None]] | None = None,
    ) -> Exchange:
        if not content.strip() or len(content) > MAX_CONTENT:
            raise InvalidInput.field("content", f"must hold 1 to {MAX_CONTENT} characters")
        conversation = await owned(self.conversations, principal, conversation_id)
        if (wait := await self.throttle.hit(self.policy.chat_limit, f"chat:{conversation.owner_id}")) is not None:
            raise RateLimited("too many messages: wait a moment", wait)
        assistant = await answering(conversation, self.assistants, self.secretaries)
        user = await self.users.get(conversation.owner_id)
        if user is None:
            raise NotFound("no such conversation")
        async with self._replying(conversation) as extend:
            history = await self.messages.latest(conversation.id, self.policy.history_messages)
            exchange = Exchange()
            await self._store(exchange, conversation, NewMessage(MessageRole.USER, content), on_message)

            async def on_step(step: Step) -> None:
                calls = tuple(outcome.call for outcome in step.outcomes)
                said = NewMessage(MessageRole.ASSISTANT, step.said.content, calls)
                await self._store(exchange, conversation, said, on_message)
                exchange.pending_actions += [o.action_id for o in step.outcomes if o.action_id is not None]
                for outcome in step.outcomes:
                    result = NewMessage(MessageRole.TOOL, outcome.content, (), outcome.call.id, outcome.call.name)
                    await self._store(exchange, conversation, result, on_message)

            turns = [Turn("system", assistant.instructions), *within_budget(history, self.policy.history_chars)]
            turns.append(Turn("user", content))
            caller = Caller(principal, user.timezone, conversation.id)
            await self.agent.run(caller, assistant, turns, Listener(on_step, on_delta, extend))
        return exchange

    @asynccontextmanager
    async def _replying(self, conversation: Conversation) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Hold the conversation while its reply runs; yields what extends the hold. The hold is a lease, extended
        before each model call, so a process that dies mid-reply frees the conversation when the lease runs out."""
        if not await self.conversations.claim_reply(conversation.id, self.clock.now(), self._until()):
            raise Conflict("this conversation is still answering another message: send yours when it has replied")

        async def extend() -> None:
            await self.conversations.hold_reply(conversation.id, self._until())
            await self.uow.commit()

        try:
            yield extend
        finally:
            await self.uow.rollback()  # whatever a failure left half-written
            await self.conversations.release_reply(conversation.id)
            await self.uow.commit()

    def _until(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.policy.reply_lease)

    async def _store(
        self,
        exchange: Exchange,
        conversation: Conversation,
        message: NewMessage,
        on_message: Callable[[Message], Awaitable[None]] | None,
    ) -> None:
        stored = await self.messages.add(conversation.id, message, self.clock.now())
        await self.conversations.touch(conversation.id, self.clock.now())
        if stored.content and stored.role is not MessageRole.TOOL:
            await self.events.emit(conversation.owner_id, "conversation.message.created", message_data(stored))
        await self.uow.commit()
        exchange.messages.append(stored)
        if on_message is not None:
            await on_message(stored)
