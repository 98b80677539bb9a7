"""Analytics under test: the buffer an app records into, shared with the test's own flushes, so a test writes the
records when it chooses (no sleeping for the flusher) and can add records of known durations."""

from __future__ import annotations

from typing import Any

import msgspec
from dishka import Provider

from assistme.config import Settings
from assistme.core.analytics.api_calls import FlushApiCalls
from assistme.core.analytics.buffer import CallBuffer
from assistme.ioc import Analytics, make_container


def recorded(settings: Settings, **more: Any) -> Settings:
    """``settings`` with analytics on and the app's own flusher idle: the test flushes."""
    values: dict[str, Any] = {"analytics_enabled": True, "analytics_flush_interval": 3600.0}
    return msgspec.structs.replace(settings, **(values | more))


class Recorder:
    def __init__(self) -> None:
        self.calls = CallBuffer(batch_size=100_000, capacity=100_000)

    def provider(self) -> Provider:
        return Analytics(self.calls)

    async def flush(self, settings: Settings, *providers: Provider) -> int:
        """Write what the app recorded, as its flusher would; ``providers`` as the app's (a clock, say). A container
        of its own: the app's engine belongs to the event loop the test client serves it on."""
        container = make_container(settings, Analytics(self.calls), *providers)
        try:
            async with container() as scope:
                return int(await (await scope.get(FlushApiCalls))())
        finally:
            await container.close()
