"""Readiness probe of Redis: the broker, the cache and the session store of the served setup."""

from __future__ import annotations

from redis.asyncio import Redis


class RedisProbe:
    name = "broker"  # API.md names it so: in the served setup Redis carries the tasks (and the caches)

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def __call__(self) -> None:
        await self._redis.ping()
