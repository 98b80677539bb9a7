"""A page of ORM rows in one statement: the rows and, through a window count, how many match in all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.core.shared.pagination import PageRequest


async def page_of(session: AsyncSession, stmt: Select[Any], page: PageRequest) -> tuple[list[Any], int]:
    """``stmt`` selects one entity, filtered and ordered. A page past the end counts apart: its window is empty."""
    counted = stmt.add_columns(func.count().over()).limit(page.limit).offset(page.offset)
    rows = (await session.execute(counted)).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    if not page.offset:
        return [], 0
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return [], int(total or 0)
