"""Analytics in the API process: the request log fills the buffer, a background flusher writes it, each write in
a request scope of its own (its own session and unit of work)."""

from __future__ import annotations

from dishka import AsyncContainer

from assistme.api.requests import RequestLog
from assistme.core.analytics.api_calls import FlushApiCalls
from assistme.core.analytics.buffer import CallBuffer, Flusher


class ApiCallRecording:
    def __init__(self, container: AsyncContainer, interval: float) -> None:
        self._container = container
        self._interval = interval
        self._flusher: Flusher | None = None

    async def start(self, request_log: RequestLog) -> None:
        buffer = await self._container.get(CallBuffer)
        self._flusher = Flusher(buffer, self._flush, self._interval)
        await self._flusher.start()
        request_log.calls = buffer

    async def stop(self) -> None:
        """Writes what is left; the container must still be open."""
        if self._flusher is not None:
            await self._flusher.stop()
            self._flusher = None

    async def _flush(self) -> int:
        async with self._container() as scope:
            return int(await (await scope.get(FlushApiCalls))())
