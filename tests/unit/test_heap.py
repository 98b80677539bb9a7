"""The served app stops walking its startup heap: a full collection over it stalled the event loop ~200 ms."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from assistme.app import create_app, create_served_app
from assistme.heap import freeze_startup_objects


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the suite builds many apps: a frozen heap would keep their garbage


def test_freezing_takes_the_live_heap_out_of_the_collectors_walk(thawed: None) -> None:
    walked = len(gc.get_objects())
    freeze_startup_objects()
    assert gc.get_freeze_count() > walked // 2
    assert len(gc.get_objects()) < walked // 10


def test_the_served_app_freezes_after_its_own_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTME_DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    served, plain = create_served_app(), create_app()
    assert served.on_startup[-1] is freeze_startup_objects
    assert freeze_startup_objects not in plain.on_startup
