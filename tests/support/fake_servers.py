"""The fake third parties as fixtures, one server of each for the whole run (tests/conftest.py registers them).

A server outlives the test and the module that used it last: a test that scripts its answers or reads what it
received calls ``reset()`` first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from tests.support.fake_feeds import FakeFeeds
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.fake_open_meteo import FakeOpenMeteo
from tests.support.fake_receiver import FakeReceiver
from tests.support.fake_telegram import FakeTelegram
from tests.support.loopback_server import LoopbackServer

Server = TypeVar("Server", bound=LoopbackServer)


def _for_the_run(kind: Callable[[], Server], name: str) -> Callable[[], Iterator[Server]]:
    @pytest.fixture(scope="session", name=name)
    def serve() -> Iterator[Server]:
        with kind() as server:
            yield server

    return serve


google = _for_the_run(FakeGoogle, "google")
llm = _for_the_run(FakeLlm, "llm")
meteo = _for_the_run(FakeOpenMeteo, "meteo")
feeds = _for_the_run(FakeFeeds, "feeds")
receiver = _for_the_run(FakeReceiver, "receiver")
telegram = _for_the_run(FakeTelegram, "telegram")
