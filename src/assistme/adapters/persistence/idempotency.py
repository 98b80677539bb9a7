"""IdempotencyStore over its own short transactions: a claim is one INSERT ... ON CONFLICT DO NOTHING, and nothing
is held open while the request that claimed the key runs on its own session."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from uuid_utils.compat import uuid7

from assistme.adapters.persistence import dialects
from assistme.adapters.persistence.models import IdempotencyKeyRow
from assistme.core.idempotency.entities import KeyScope, KeyState, StoredKey

_SCOPE = ["principal", "route", "key"]


def _of(scope: KeyScope) -> Any:
    return (
        (IdempotencyKeyRow.principal == scope.owner)
        & (IdempotencyKeyRow.route == scope.route)
        & (IdempotencyKeyRow.key == scope.key)
    )


class SqlIdempotencyStore:
    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self._maker = maker

    async def insert(self, scope: KeyScope, fingerprint: str, now: datetime, locked_until: datetime) -> UUID | None:
        async with self._maker.begin() as session:
            stmt = (
                dialects.insert(session, IdempotencyKeyRow)
                .values(
                    id=uuid7(),
                    principal=scope.owner,
                    user_id=scope.user_id,
                    route=scope.route,
                    key=scope.key,
                    fingerprint=fingerprint,
                    state=KeyState.IN_PROGRESS.value,
                    locked_until=locked_until,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=_SCOPE)
                .returning(IdempotencyKeyRow.id)
            )
            entry_id: UUID | None = (await session.execute(stmt)).scalar_one_or_none()
            return entry_id

    async def find(self, scope: KeyScope) -> StoredKey | None:
        async with self._maker() as session:
            row = (await session.execute(select(IdempotencyKeyRow).where(_of(scope)))).scalar_one_or_none()
            if row is None:
                return None
            return StoredKey(
                id=row.id,
                fingerprint=row.fingerprint,
                state=KeyState(row.state),
                created_at=row.created_at,
                locked_until=row.locked_until,
                status=row.response_status,
                headers=tuple((name, value) for name, value in row.response_headers or []),
                sealed_body=row.response_body,
            )

    async def finish(self, entry_id: UUID, status: int, headers: tuple[tuple[str, str], ...], sealed_body: str) -> bool:
        stmt = (
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.id == entry_id, IdempotencyKeyRow.state == KeyState.IN_PROGRESS.value)
            .values(
                state=KeyState.DONE.value,
                response_status=status,
                response_headers=[list(pair) for pair in headers],
                response_body=sealed_body,
            )
        )
        return await self._changed(stmt)

    async def remove(self, entry_id: UUID, state: KeyState) -> bool:
        stmt = delete(IdempotencyKeyRow).where(IdempotencyKeyRow.id == entry_id, IdempotencyKeyRow.state == state.value)
        return await self._changed(stmt)

    async def _changed(self, stmt: Any) -> bool:
        async with self._maker.begin() as session:
            result = await session.execute(stmt.execution_options(synchronize_session=False))
            return bool(getattr(result, "rowcount", 0))
