"""Moving-window counters from the `limits` package: in memory, or in Redis across processes."""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis

from assistme.core.shared.errors import Unavailable


@lru_cache(maxsize=64)
def _item(limit: str) -> RateLimitItem:
    return parse(limit)


def memory_storage() -> MemoryStorage:
    return MemoryStorage()


def redis_storage(redis: Redis, prefix: str) -> RedisStorage:
    """Counters on the app's own Redis pool, so they close with it."""
    return RedisStorage(
        "async+redis://",
        implementation="redispy",
        key_prefix=prefix + "limits",
        wrap_exceptions=True,
        connection_pool=redis.connection_pool,  # type: ignore[arg-type]
    )


class LimitsThrottle:
    def __init__(self, storage: Storage) -> None:
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, limit: str, key: str) -> int | None:
        item = _item(limit)
        try:
            if await self._limiter.hit(item, key):
                return None
            return await self._wait(item, key)
        except StorageError as exc:
            raise Unavailable("the rate-limit store is unreachable") from exc

    async def blocked(self, limit: str, key: str) -> int | None:
        item = _item(limit)
        try:
            if await self._limiter.test(item, key):
                return None
            return await self._wait(item, key)
        except StorageError as exc:
            raise Unavailable("the rate-limit store is unreachable") from exc

    async def clear(self, limit: str, key: str) -> None:
        try:
            await self._limiter.clear(_item(limit), key)
        except StorageError as exc:
            raise Unavailable("the rate-limit store is unreachable") from exc

    async def _wait(self, item: RateLimitItem, key: str) -> int:
        stats = await self._limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
