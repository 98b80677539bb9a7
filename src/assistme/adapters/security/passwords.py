"""argon2id password hashing, off the event loop and bounded, so a login burst cannot stall the API."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")
LOWEST_PRIORITY = 19  # nice


def _yield_to_the_event_loop() -> None:
    # On Linux a thread has its own nice value: at 19 a hash gets the core only when the event loop does not want
    # it, so a burst of logins slows other logins, not every request. Elsewhere this would renice the process.
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


class Argon2Hasher:
    def __init__(self, time_cost: int, memory_kib: int, parallelism: int, concurrency: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        # At most ``concurrency`` hashes at once, each holding ``memory_kib``; the rest wait their turn.
        self._threads = ThreadPoolExecutor(concurrency, "argon2", initializer=_yield_to_the_event_loop)
        # Checked when an account has no password (unknown email, bot user) so the answer takes as long.
        self._dummy = self._hasher.hash("assistme-timing-equaliser")

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        ok = await self._run(self._check, password_hash or self._dummy, password)
        return ok and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def _run(self, fn: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
