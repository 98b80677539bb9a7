"""Reads that stand alone: a list page, read on a pooled connection of its own in autocommit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Reads:
    """One statement outside the request's transaction. Autocommit spares it PostgreSQL's BEGIN and ROLLBACK round
    trips and the ORM session's transaction bookkeeping; the connection goes back to the pool as soon as the page is
    read. Only for use cases that write nothing: a read here does not see the request's uncommitted writes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    def connect(self) -> AsyncConnection:
        """Use it as ``async with reads.connect() as connection``: the connection is returned when the block ends."""
        return self._engine.connect()
