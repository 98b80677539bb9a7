"""Request records wait in memory and are written in batches, off the request path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from uuid import UUID

from assistme.core.analytics.entities import ApiCall

log = logging.getLogger("assistme.analytics")


class CallBuffer:
    """What a request pays for being counted: one tuple appended to a list. No lock (one event loop owns it), no
    I/O; past ``capacity`` records are dropped and counted, so a store that cannot keep up costs no memory."""

    __slots__ = ("_batch_size", "_capacity", "_records", "dropped", "due")

    def __init__(self, batch_size: int, capacity: int) -> None:
        self._records: list[ApiCall] = []
        self._batch_size = batch_size
        self._capacity = capacity
        self.dropped = 0
        """Records lost since the start: the buffer was full, or their write failed."""
        self.due = asyncio.Event()
        """Set once a batch is full: the flusher need not wait for its interval."""

    def record(self, route: str, method: str, status: int, duration_ms: float, user_id: UUID | None) -> None:
        records = self._records
        waiting = len(records)
        if waiting >= self._capacity:
            self.dropped += 1
            return
        records.append((route, method, status, duration_ms, user_id))
        if waiting + 1 == self._batch_size:
            self.due.set()

    def take(self) -> list[ApiCall]:
        """Everything waiting; later records start a new batch."""
        records, self._records = self._records, []
        self.due.clear()
        return records

    def lose(self, count: int) -> None:
        self.dropped += count

    def __len__(self) -> int:
        return len(self._records)


class Flusher:
    """Writes the buffer every ``interval`` seconds, or as soon as a batch is full; stopping writes what is left
    (within ``final_timeout``). A failing write is logged and counted, and never reaches a request."""

    def __init__(
        self, buffer: CallBuffer, flush: Callable[[], Awaitable[int]], interval: float, final_timeout: float = 5.0
    ) -> None:
        self._buffer = buffer
        self._flush = flush
        self._interval = interval
        self._final_timeout = final_timeout
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="assistme-analytics")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._buffer.due.set()  # wake the loop now: it writes what is left and ends
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self._task, self._final_timeout)
        self._task = None

    async def flush_now(self) -> int:
        """Write what waits; how many records were written (0 when the write failed)."""
        try:
            return await self._flush()
        except Exception:
            log.warning("analytics flush failed: its records are dropped", exc_info=True)
            return 0

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._buffer.due.wait()
            self._buffer.due.clear()  # a flush that fails before taking the batch must not spin
            await self.flush_now()
        await self.flush_now()  # what arrived during the last write
