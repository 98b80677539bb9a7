"""Secretaries: the one assistant a person's bot talks to by default."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.assistants.entities import SecretaryLink
from assistme.core.assistants.ports import AssistantRepository, SecretaryRepository
from assistme.core.identity.entities import Scope
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import InvalidInput, NotFound
from assistme.core.shared.uow import UnitOfWork


@dataclass(slots=True)
class Secretaries:
    """The rules shared by a person managing their own secretary and an admin or bot doing it for them."""

    links: SecretaryRepository
    assistants: AssistantRepository
    uow: UnitOfWork
    clock: Clock

    async def current(self, user_id: UUID) -> SecretaryLink:
        link = await self.links.active(user_id)
        if link is None:
            raise NotFound("no secretary is linked")
        return link

    async def link(self, user_id: UUID, assistant_id: UUID) -> SecretaryLink:
        """The assistant must be the user's own and marked ``is_secretary``; the previous link ends."""
        assistant = await self.assistants.get(assistant_id)
        if assistant is None or assistant.owner_id != user_id:
            raise InvalidInput.field("assistant_id", "no such assistant of this user")
        if not assistant.is_secretary:
            raise InvalidInput.field("assistant_id", "the assistant is not marked is_secretary")
        link = await self.links.link(user_id, assistant_id, self.clock.now())
        await self.uow.commit()
        return link

    async def unlink(self, user_id: UUID) -> None:
        if not await self.links.unlink(user_id, self.clock.now()):
            raise NotFound("no secretary is linked")
        await self.uow.commit()


@dataclass(slots=True)
class MySecretary:
    """The caller's own secretary."""

    secretaries: Secretaries

    async def get(self, principal: Principal) -> SecretaryLink:
        return await self.secretaries.current(principal.require_user())

    async def link(self, principal: Principal, assistant_id: UUID) -> SecretaryLink:
        return await self.secretaries.link(principal.require_user(), assistant_id)

    async def unlink(self, principal: Principal) -> None:
        await self.secretaries.unlink(principal.require_user())


@dataclass(slots=True)
class UserSecretary:
    """A given user's secretary, for admins and for API keys (users:read to read, users:write to link)."""

    secretaries: Secretaries

    async def get(self, principal: Principal, user_id: UUID) -> SecretaryLink:
        principal.require_admin_or_scope(Scope.USERS_READ)
        return await self.secretaries.current(user_id)

    async def link(self, principal: Principal, user_id: UUID, assistant_id: UUID) -> SecretaryLink:
        principal.require_admin_or_scope(Scope.USERS_WRITE)
        return await self.secretaries.link(user_id, assistant_id)
