"""Revoked sessions, remembered for as long as an access token of theirs could still be valid."""

from __future__ import annotations

import time
from collections.abc import Iterable
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from assistme.core.shared.errors import Unavailable


class MemoryRevocations:
    """One process (the embedded setup): a map from session id to when its entry may be forgotten."""

    def __init__(self, ttl: int) -> None:
        self._ttl = ttl
        self._until: dict[UUID, float] = {}

    async def revoke(self, session_ids: Iterable[UUID]) -> None:
        now = time.monotonic()
        self._until = {sid: t for sid, t in self._until.items() if t > now}
        for sid in session_ids:
            self._until[sid] = now + self._ttl

    async def is_revoked(self, session_id: UUID) -> bool:
        until = self._until.get(session_id)
        return until is not None and until > time.monotonic()


class RedisRevocations:
    """Every API process sees a revocation as soon as it is written: one key per session, with a TTL."""

    def __init__(self, redis: Redis, prefix: str, ttl: int) -> None:
        self._redis = redis
        self._prefix = prefix + "revoked:"
        self._ttl = ttl

    async def revoke(self, session_ids: Iterable[UUID]) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for sid in session_ids:
                    pipe.set(self._prefix + str(sid), b"1", ex=self._ttl)
                await pipe.execute()
        except RedisError as exc:
            raise Unavailable("the session store is unreachable") from exc

    async def is_revoked(self, session_id: UUID) -> bool:
        try:
            return bool(await self._redis.exists(self._prefix + str(session_id)))
        except RedisError as exc:
            raise Unavailable("the session store is unreachable") from exc
