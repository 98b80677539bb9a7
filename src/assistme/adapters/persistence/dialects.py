"""What differs between the two databases and SQLAlchemy's core does not paper over."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, model: type[Any] | Table) -> Any:
    """An INSERT that knows ``ON CONFLICT DO NOTHING`` and ``DO UPDATE``: PostgreSQL's and SQLite's spell them the
    same."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
