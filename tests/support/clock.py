"""A clock a test can move, served to the app in place of the system clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dishka import Provider, Scope

from assistme.core.shared.clock import Clock


class MovableClock:
    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)


def clock_provider(clock: MovableClock) -> Provider:
    provider = Provider(scope=Scope.APP)
    provider.provide(lambda: clock, provides=Clock)
    return provider
