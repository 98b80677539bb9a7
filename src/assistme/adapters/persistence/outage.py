"""A PostgreSQL server that cannot be reached is the core's ``StoreUnavailable`` (503 with Retry-After), not a bug.

The knowledge of which failures mean "the database is away" lives here, at the engine, so every caller (a request,
the access guard, a worker, the scheduler loop) sees the same error: a refused or timed-out connect, a server that
is starting up, shutting down or full, a connection it dropped (then the pool is invalidated, so the next checkout
connects afresh: there is no pre-ping), and a request that waited ``pool_timeout`` for a connection of its own.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from assistme.core.shared.errors import StoreUnavailable

UNREACHABLE = "the database is unreachable"
BUSY = "the database is busy: no connection came free in time"

_DOWN: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable; TimeoutError (a connect that never completed) is one too
    asyncpg.PostgresConnectionError,  # class 08, and a connection that no longer exists
    asyncpg.CannotConnectNowError,  # 57P03: the server is starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: a fast shutdown ended the session
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
)


class BoundedPool(AsyncAdaptedQueuePool):
    """The default async pool, except that waiting out ``pool_timeout`` is ``StoreUnavailable``."""

    _sqla_logger_namespace = "sqlalchemy.pool.impl.AsyncAdaptedQueuePool"  # log where, and as quietly as, it does

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except PoolTimeout as exc:
            raise StoreUnavailable(BUSY) from exc


def translate_outages(engine: AsyncEngine) -> AsyncEngine:
    """Make ``engine`` raise ``StoreUnavailable`` for the failures above; every other error is left as it is."""
    event.listen(engine.sync_engine, "do_connect", _connect)
    event.listen(engine.sync_engine, "handle_error", _handle_error)
    return engine


def _connect(dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
    # asyncpg's socket errors escape SQLAlchemy's connect unwrapped (handle_error never sees them): catch them here.
    try:
        return dialect.connect(*cargs, **cparams)
    except OSError as exc:
        raise StoreUnavailable(UNREACHABLE) from exc


def _handle_error(context: ExceptionContext) -> BaseException | None:
    if not isinstance(context.original_exception, Exception):
        return None  # a cancelled query (a timeout, a shutdown) stays a cancellation; SQLAlchemy invalidates it
    if not (context.is_disconnect or _down(context.original_exception)):
        return None
    context.is_disconnect = True  # invalidate the connection and the pool's older ones: they died with the server
    return StoreUnavailable(UNREACHABLE)


def _down(exc: BaseException | None) -> bool:
    """SQLAlchemy wraps asyncpg's error in its own DBAPI class: look along the chain of causes."""
    for _ in range(4):
        if exc is None:
            return False
        if isinstance(exc, _DOWN):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
