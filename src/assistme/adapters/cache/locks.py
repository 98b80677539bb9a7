"""Per-connection refresh locks: in memory for one process, in Redis for many."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from assistme.core.shared.errors import Unavailable


class MemoryLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[UUID, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, connection_id: UUID) -> AsyncIterator[None]:
        lock = self._locks.get(connection_id)
        if lock is None:
            lock = self._locks[connection_id] = asyncio.Lock()
        async with lock:
            yield


class RedisLocks:
    """A Redis lock with a timeout, so a process that dies holding it blocks the others for ``ttl`` at most."""

    def __init__(self, redis: Redis, prefix: str, ttl: float = 30.0) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl

    @asynccontextmanager
    async def hold(self, connection_id: UUID) -> AsyncIterator[None]:
        lock = self._redis.lock(f"{self._prefix}refresh:{connection_id}", timeout=self._ttl, blocking_timeout=self._ttl)
        try:
            acquired = await lock.acquire()
        except RedisError:
            raise Unavailable("the lock store is unavailable") from None
        if not acquired:
            raise Unavailable("another refresh of this connection is taking too long")
        try:
            yield
        finally:
            with suppress(LockError, RedisError):  # expired meanwhile, or Redis went away: the timeout frees it
                await lock.release()
