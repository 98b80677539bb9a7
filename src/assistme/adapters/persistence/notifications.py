"""The inbox and the Telegram link codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence import dialects
from assistme.adapters.persistence.models import NotificationRow, TelegramLinkCodeRow
from assistme.core.scheduling.entities import Notification
from assistme.core.scheduling.ports import InboxPage
from assistme.core.shared.pagination import Page, PageRequest


class _NotificationRows(SQLAlchemyAsyncRepository[NotificationRow]):
    model_type = NotificationRow


def _entry(row: NotificationRow) -> Notification:
    return Notification(
        id=row.id,
        user_id=row.user_id,
        run_id=row.run_id,
        title=row.title,
        body=row.body,
        created_at=row.created_at,
        read_at=row.read_at,
    )


class SqlNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _NotificationRows(session=session, auto_expunge=False, auto_refresh=False)

    async def for_run(self, user_id: UUID, run_id: UUID, title: str, body: str, now: datetime) -> Notification:
        # Another attempt of the same run may have written it already: then that entry is the one.
        stmt = (
            dialects.insert(self._session, NotificationRow)
            .values(user_id=user_id, run_id=run_id, title=title[:200], body=body, created_at=now)
            .on_conflict_do_nothing(index_elements=["run_id"])
        )
        await self._session.execute(stmt)
        found = await self.by_run(run_id)
        assert found is not None
        return found

    async def add(self, user_id: UUID, title: str, body: str, now: datetime) -> Notification:
        row = NotificationRow(user_id=user_id, run_id=None, title=title[:200], body=body, created_at=now)
        self._session.add(row)
        await self._session.flush()
        return _entry(row)

    async def by_run(self, run_id: UUID) -> Notification | None:
        row = await self._session.scalar(select(NotificationRow).where(NotificationRow.run_id == run_id))
        return None if row is None else _entry(row)

    async def get(self, notification_id: UUID) -> Notification | None:
        row = await self._session.get(NotificationRow, notification_id)
        return None if row is None else _entry(row)

    async def page(self, user_id: UUID, unread_only: bool, page: PageRequest) -> InboxPage:
        mine = NotificationRow.user_id == user_id
        unread = NotificationRow.read_at.is_(None)
        filters = [mine, unread] if unread_only else [mine]
        rows, total = await self._rows.get_many_and_count(
            *filters, LimitOffset(page.limit, page.offset), OrderBy("created_at", "desc")
        )
        count = select(func.count()).select_from(NotificationRow).where(mine, unread)
        unread_count = int(await self._session.scalar(count) or 0)
        return InboxPage(Page([_entry(r) for r in rows], total, page.limit, page.offset), unread_count)

    async def mark_read(self, user_id: UUID, notification_ids: Sequence[UUID] | None, now: datetime) -> None:
        stmt = update(NotificationRow).where(NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None))
        if notification_ids is not None:
            stmt = stmt.where(NotificationRow.id.in_(list(notification_ids)))
        await self._session.execute(stmt.values(read_at=now).execution_options(synchronize_session=False))

    async def delete(self, notification_id: UUID) -> None:
        await self._session.execute(delete(NotificationRow).where(NotificationRow.id == notification_id))


class SqlLinkCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def replace(self, user_id: UUID, digest: str, expires_at: datetime) -> None:
        await self._session.execute(delete(TelegramLinkCodeRow).where(TelegramLinkCodeRow.user_id == user_id))
        self._session.add(TelegramLinkCodeRow(user_id=user_id, digest=digest, expires_at=expires_at))
        await self._session.flush()

    async def consume(self, digest: str, now: datetime) -> UUID | None:
        # Deleting is spending: of two bots presenting one code, one statement lets only one through.
        stmt = (
            delete(TelegramLinkCodeRow)
            .where(TelegramLinkCodeRow.digest == digest, TelegramLinkCodeRow.expires_at > now)
            .returning(TelegramLinkCodeRow.user_id)
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()
