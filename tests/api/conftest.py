"""Fixtures of the API tests that talk to a fake third party."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.fake_receiver import FakeReceiver


@pytest.fixture(scope="session")
def google() -> Iterator[FakeGoogle]:
    """One fake Google for the run; each test that uses it calls ``reset()`` first."""
    with FakeGoogle() as server:
        yield server


@pytest.fixture(scope="session")
def llm() -> Iterator[FakeLlm]:
    """One fake model server for the run; each test that uses it calls ``reset()`` first."""
    with FakeLlm() as server:
        yield server


@pytest.fixture(scope="session")
def receiver() -> Iterator[FakeReceiver]:
    """One webhook receiver for the run; each test that counts what it received calls ``reset()`` first."""
    with FakeReceiver() as server:
        yield server
