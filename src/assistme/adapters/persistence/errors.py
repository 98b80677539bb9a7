"""Turning constraint violations into the core's Conflict."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.core.shared.errors import Conflict


@asynccontextmanager
async def conflicts(session: AsyncSession, messages: Mapping[str, str]) -> AsyncIterator[None]:
    """Flush inside; a unique violation on a column named in ``messages`` becomes ``Conflict(message)``."""
    try:
        yield
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        text = str(exc.orig).lower()
        for column, message in messages.items():
            if column in text:
                raise Conflict(message) from None
        raise
