"""The person decides on a write the model proposed."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.conversations.conversations import owned
from assistme.core.conversations.entities import ActionStatus, PendingAction
from assistme.core.conversations.ports import ConversationRepository, PendingActionRepository
from assistme.core.identity.principal import Principal
from assistme.core.integrations.actions import ProviderAction
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, DomainError, NotFound, Unavailable
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class _Decision:
    conversations: ConversationRepository
    pending: PendingActionRepository
    uow: UnitOfWork
    clock: Clock

    async def _claim(
        self, principal: Principal, conversation_id: UUID, action_id: UUID, to: ActionStatus
    ) -> PendingAction:
        conversation = await owned(self.conversations, principal, conversation_id)
        action = await self.pending.get(action_id)
        if action is None or action.conversation_id != conversation.id:
            raise NotFound("no such action")
        now = self.clock.now()
        if not await self.pending.claim(action.id, to, now):
            raise Conflict("this action was already decided")
        await self.uow.commit()
        action.status, action.decided_at = to, now
        return action


@dataclass(slots=True)
class RejectAction(_Decision):
    async def __call__(self, principal: Principal, conversation_id: UUID, action_id: UUID) -> PendingAction:
        return await self._claim(principal, conversation_id, action_id, ActionStatus.REJECTED)


@dataclass(slots=True)
class ConfirmAction(_Decision):
    """Runs the write once, in the person's name: the action is claimed before it runs, so a double confirmation
    runs it once (409 for the second). A provider that cannot be reached leaves it pending, to confirm again."""

    run: ProviderAction

    async def __call__(self, principal: Principal, conversation_id: UUID, action_id: UUID) -> PendingAction:
        action = await self._claim(principal, conversation_id, action_id, ActionStatus.CONFIRMED)
        try:
            action.result = await self.run(principal, action.provider, action.action, action.params)
        except Unavailable:
            action.status, action.decided_at = ActionStatus.PENDING, None
            await self.pending.save(action)
            await self.uow.commit()
            raise
        except DomainError as refused:
            action.status, action.error = ActionStatus.FAILED, refused.detail
        await self.pending.save(action)
        await self.uow.commit()
        return action
