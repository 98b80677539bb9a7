"""The in-app inbox: every notification lands here, whether or not Telegram hears of it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.principal import Principal
from assistme.core.scheduling.entities import Notification
from assistme.core.scheduling.ports import InboxPage, NotificationRepository
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import NotFound
from assistme.core.shared.pagination import PageRequest
from assistme.core.shared.uow import UnitOfWork


async def owned_notification(
    notifications: NotificationRepository, principal: Principal, entry_id: UUID
) -> Notification:
    entry = await notifications.get(entry_id)
    if entry is None or entry.user_id != principal.require_user():
        raise NotFound("no such notification")
    return entry


@dataclass(slots=True)
class ListNotifications:
    """Newest first, with the count of unread entries whatever the page."""

    notifications: NotificationRepository

    async def __call__(self, principal: Principal, unread_only: bool, page: PageRequest) -> InboxPage:
        return await self.notifications.page(principal.require_user(), unread_only, page)


@dataclass(slots=True)
class ReadNotifications:
    """Mark one entry read, or every unread one when no id is given; reading twice changes nothing."""

    notifications: NotificationRepository
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, entry_id: UUID | None = None) -> None:
        ids = None if entry_id is None else [(await owned_notification(self.notifications, principal, entry_id)).id]
        await self.notifications.mark_read(principal.require_user(), ids, self.clock.now())
        await self.uow.commit()


@dataclass(slots=True)
class DeleteNotification:
    notifications: NotificationRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, entry_id: UUID) -> None:
        entry = await owned_notification(self.notifications, principal, entry_id)
        await self.notifications.delete(entry.id)
        await self.uow.commit()
