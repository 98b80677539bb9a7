"""SnapshotCache: the briefing's upstream answers, in memory for one process, in Redis for many.

Single flight is a per-key asyncio lock in both; served, a Redis lock is taken under it, so one refresh runs per
key across every API and worker process, and the other waiters of a process queue on its in-process lock
rather than polling Redis. The cache is an optimisation: a Redis that is away reads as a miss, a lock that cannot
be had is skipped (the caller then fetches itself), and neither ever fails a request.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)


class _FlightLocks:
    """One asyncio lock per key, dropped once nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            yield


class MemorySnapshots:
    """Entries live ``keep`` seconds; past ``max_entries`` the least recently used go first (weather is keyed by
    place, and places are as many as callers care to send)."""

    def __init__(self, keep: float, max_entries: int = 10_000) -> None:
        self._keep = keep
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._flights = _FlightLocks()

    async def get(self, key: str) -> bytes | None:
        held = self._entries.get(key)
        if held is None or held[1] <= time.monotonic():
            return None
        self._entries.move_to_end(key)
        return held[0]

    async def put(self, key: str, value: bytes) -> None:
        self._entries[key] = (value, time.monotonic() + self._keep)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def single_flight(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._flights.hold(key)


class RedisSnapshots:
    """Entries are Redis strings that expire after ``keep`` seconds; ``lock_ttl`` bounds how long a refresher
    that died holds the others back (it should exceed one upstream call)."""

    def __init__(self, redis: Redis, prefix: str, keep: int, lock_ttl: float) -> None:
        self._redis = redis
        self._prefix = prefix + "briefing:"
        self._keep = keep
        self._lock_ttl = lock_ttl
        self._flights = _FlightLocks()

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(self._prefix + key)
        except RedisError:
            log.warning("briefing cache unreachable: reading %s as a miss", key)
            return None
        return value if isinstance(value, bytes) else None

    async def put(self, key: str, value: bytes) -> None:
        try:
            await self._redis.set(self._prefix + key, value, ex=self._keep)
        except RedisError:
            log.warning("briefing cache unreachable: %s not stored", key)

    @asynccontextmanager
    async def single_flight(self, key: str) -> AsyncIterator[None]:
        async with self._flights.hold(key):
            lock = self._redis.lock(
                f"{self._prefix}flight:{key}", timeout=self._lock_ttl, blocking_timeout=self._lock_ttl
            )
            try:
                acquired = await lock.acquire()
            except RedisError:
                acquired = False
            if not acquired:  # Redis away, or a refresher elsewhere taking too long: fetch without the lock
                log.warning("briefing refresh of %s runs without the cross-process lock", key)
            try:
                yield
            finally:
                if acquired:
                    with suppress(LockError, RedisError):  # expired meanwhile, or Redis went away: the TTL frees it
                        await lock.release()
