"""ApiKeyRepository; keys are found by the keyed hash of their secret."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import ApiKeyRow
from assistme.core.identity.entities import ApiKey, Scope
from assistme.core.shared.pagination import Page, PageRequest


class _ApiKeyRows(SQLAlchemyAsyncRepository[ApiKeyRow]):
    model_type = ApiKeyRow


def _to_entity(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=frozenset(Scope(s) for s in row.scopes.split()),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


class SqlApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _ApiKeyRows(session=session, auto_expunge=False, auto_refresh=False)

    async def add(self, name: str, prefix: str, digest: str, scopes: frozenset[Scope], now: datetime) -> ApiKey:
        row = ApiKeyRow(name=name, prefix=prefix, digest=digest, scopes=" ".join(sorted(s.value for s in scopes)))
        row.created_at = row.updated_at = now
        self._session.add(row)
        await self._session.flush()
        return _to_entity(row)

    async def list(self, page: PageRequest) -> Page[ApiKey]:
        rows, total = await self._rows.get_many_and_count(
            LimitOffset(page.limit, page.offset), OrderBy("created_at", "asc")
        )
        return Page([_to_entity(r) for r in rows], total, page.limit, page.offset)

    async def by_digest(self, digest: str) -> ApiKey | None:
        row = await self._rows.get_one_or_none(digest=digest)
        return None if row is None else _to_entity(row)

    async def delete(self, key_id: UUID) -> bool:
        result = await self._session.execute(delete(ApiKeyRow).where(ApiKeyRow.id == key_id))
        return bool(getattr(result, "rowcount", 0))
