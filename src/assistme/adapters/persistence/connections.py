"""Connections to providers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from assistme.adapters.persistence.dialects import insert
from assistme.adapters.persistence.models import ConnectionRow
from assistme.core.integrations.entities import Connection, ConnectionStatus

_FIELDS = ("status", "scopes", "sealed", "expires_at", "last_refreshed_at", "last_error")


def _to_entity(row: ConnectionRow) -> Connection:
    return Connection(
        id=row.id,
        user_id=row.user_id,
        provider=row.provider,
        status=ConnectionStatus(row.status),
        scopes=tuple(row.scopes),
        sealed=row.sealed,
        expires_at=row.expires_at,
        connected_at=row.connected_at,
        last_refreshed_at=row.last_refreshed_at,
        last_error=row.last_error,
    )


class SqlConnectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def new_id(self) -> UUID:
        return uuid7()

    async def get(self, connection_id: UUID) -> Connection | None:
        row = await self._session.get(ConnectionRow, connection_id, populate_existing=True)
        return None if row is None else _to_entity(row)

    async def of_user(self, user_id: UUID, provider: str) -> Connection | None:
        stmt = select(ConnectionRow).where(ConnectionRow.user_id == user_id, ConnectionRow.provider == provider)
        row = (await self._session.scalars(stmt)).one_or_none()
        return None if row is None else _to_entity(row)

    async def of_owner(self, user_id: UUID) -> list[Connection]:
        stmt = select(ConnectionRow).where(ConnectionRow.user_id == user_id).order_by(ConnectionRow.provider)
        return [_to_entity(row) for row in await self._session.scalars(stmt)]

    async def replace(self, connection: Connection) -> Connection:
        # One statement: of two callbacks for the same user and provider, the second waits for the first and
        # overwrites its row, where a delete and an insert would break the unique constraint (a 500).
        names = ("id", "user_id", "provider", "connected_at", *_FIELDS)
        stmt = insert(self._session, ConnectionRow).values({name: _column(connection, name) for name in names})
        kept = {"user_id", "provider"}
        fresh = {c.name: stmt.excluded[c.name] for c in ConnectionRow.__table__.columns if c.name not in kept}
        await self._session.execute(stmt.on_conflict_do_update(index_elements=sorted(kept), set_=fresh))
        return connection

    async def save(self, connection: Connection) -> None:
        values = {name: _column(connection, name) for name in _FIELDS}
        stmt = update(ConnectionRow).where(ConnectionRow.id == connection.id).values(**values)
        await self._session.execute(stmt.execution_options(synchronize_session=False))

    async def swap_sealed(self, connection_id: UUID, expected: str, sealed: str) -> bool:
        stmt = (
            update(ConnectionRow)
            .where(ConnectionRow.id == connection_id, ConnectionRow.sealed == expected)
            .values(sealed=sealed)
            .execution_options(synchronize_session=False)
        )
        return bool((await self._session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def delete(self, connection_id: UUID) -> None:
        await self._session.execute(delete(ConnectionRow).where(ConnectionRow.id == connection_id))

    async def every(self, batch: int) -> AsyncIterator[list[Connection]]:
        after: UUID | None = None
        while True:
            stmt = select(ConnectionRow).order_by(ConnectionRow.id).limit(batch)
            if after is not None:
                stmt = stmt.where(ConnectionRow.id > after)
            rows = list(await self._session.scalars(stmt))
            if not rows:
                return
            after = rows[-1].id
            yield [_to_entity(row) for row in rows]


def _column(connection: Connection, name: str) -> object:
    value = getattr(connection, name)
    if name == "scopes":
        return list(value)
    return value.value if isinstance(value, ConnectionStatus) else value
