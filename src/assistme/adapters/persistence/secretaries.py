"""SecretaryRepository: a row per link period."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.errors import conflicts
from assistme.adapters.persistence.models import SecretaryLinkRow
from assistme.core.assistants.entities import SecretaryLink


def _to_entity(row: SecretaryLinkRow) -> SecretaryLink:
    return SecretaryLink(row.id, row.user_id, row.assistant_id, row.created_at, row.unlinked_at)


class SqlSecretaryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def active(self, user_id: UUID) -> SecretaryLink | None:
        stmt = select(SecretaryLinkRow).where(
            SecretaryLinkRow.user_id == user_id, SecretaryLinkRow.unlinked_at.is_(None)
        )
        row = (await self._session.scalars(stmt)).one_or_none()
        return None if row is None else _to_entity(row)

    async def link(self, user_id: UUID, assistant_id: UUID, now: datetime) -> SecretaryLink:
        await self.unlink(user_id, now)
        row = SecretaryLinkRow(user_id=user_id, assistant_id=assistant_id, created_at=now, updated_at=now)
        # Two links racing for one user: the partial unique index lets one win.
        async with conflicts(self._session, {"secretary_links": "the secretary changed meanwhile: try again"}):
            self._session.add(row)
        return _to_entity(row)

    async def unlink(self, user_id: UUID, now: datetime) -> bool:
        stmt = (
            update(SecretaryLinkRow)
            .where(SecretaryLinkRow.user_id == user_id, SecretaryLinkRow.unlinked_at.is_(None))
            .values(unlinked_at=now)
        )
        result = await self._session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))
