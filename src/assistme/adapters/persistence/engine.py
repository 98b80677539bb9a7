"""The database engine: PostgreSQL through asyncpg, or SQLite tuned for concurrent use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from assistme.adapters.persistence.outage import BoundedPool, translate_outages


def make_engine(
    url: str, *, pool_size: int = 20, max_overflow: int = 10, pool_timeout: float = 10.0, **kwargs: Any
) -> AsyncEngine:
    """PostgreSQL: no pre-ping (a dead connection is invalidated on its first error, which answers 503); a request
    waits at most ``pool_timeout`` seconds for a free connection, and as long again for a new one to connect."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url,
        poolclass=BoundedPool,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        connect_args={"timeout": pool_timeout},
        **kwargs,
    )
    return translate_outages(engine)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside a writer; the busy timeout makes a second writer wait rather than fail;
    # SQLite enforces foreign keys (and so cascades) only when asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
