"""Session and refresh-token repositories; a refresh token is spent by one atomic UPDATE."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import RefreshTokenRow, SessionRow
from assistme.core.identity.entities import Session, SpentToken


def _to_entity(row: SessionRow) -> Session:
    return Session(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        ip=row.ip,
        revoked_at=row.revoked_at,
    )


class SqlSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, user_id: UUID, user_agent: str | None, ip: str | None, now: datetime, expires_at: datetime
    ) -> Session:
        row = SessionRow(
            user_id=user_id,
            user_agent=user_agent[:512] if user_agent else None,
            ip=ip,
            created_at=now,
            updated_at=now,
            last_used_at=now,
            expires_at=expires_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _to_entity(row)

    async def get(self, session_id: UUID) -> Session | None:
        row = await self._session.get(SessionRow, session_id, populate_existing=True)
        return None if row is None else _to_entity(row)

    async def live(self, user_id: UUID, now: datetime) -> list[Session]:
        stmt = (
            select(SessionRow)
            .where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None), SessionRow.expires_at > now)
            .order_by(SessionRow.created_at.desc())
        )
        return [_to_entity(r) for r in await self._session.scalars(stmt)]

    async def touch(self, session_id: UUID, now: datetime, expires_at: datetime) -> None:
        stmt = update(SessionRow).where(SessionRow.id == session_id).values(last_used_at=now, expires_at=expires_at)
        await self._session.execute(stmt)

    async def revoke(self, session_ids: Iterable[UUID], now: datetime) -> None:
        stmt = (
            update(SessionRow)
            .where(SessionRow.id.in_(list(session_ids)), SessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await self._session.execute(stmt)

    async def purge(self, now: datetime) -> int:
        stmt = delete(SessionRow).where(or_(SessionRow.expires_at <= now, SessionRow.revoked_at.is_not(None)))
        result = await self._session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)


class SqlRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, session_id: UUID, digest: str, expires_at: datetime) -> None:
        self._session.add(RefreshTokenRow(session_id=session_id, digest=digest, expires_at=expires_at))
        await self._session.flush()

    async def consume(self, digest: str, now: datetime) -> UUID | None:
        # One statement decides: of concurrent spenders only one sees spent_at IS NULL (works on
        # PostgreSQL under row locks and on SQLite >= 3.35, where FOR UPDATE does not exist).
        stmt = (
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.digest == digest,
                RefreshTokenRow.spent_at.is_(None),
                RefreshTokenRow.expires_at > now,
            )
            .values(spent_at=now)
            .returning(RefreshTokenRow.session_id)
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def find(self, digest: str) -> SpentToken | None:
        stmt = select(RefreshTokenRow.session_id, RefreshTokenRow.spent_at, RefreshTokenRow.expires_at).where(
            RefreshTokenRow.digest == digest
        )
        row = (await self._session.execute(stmt)).one_or_none()
        return None if row is None else SpentToken(row.session_id, row.spent_at, row.expires_at)
