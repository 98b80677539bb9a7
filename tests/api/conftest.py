"""Fixtures of the API tests that talk to a fake third party."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_google import FakeGoogle


@pytest.fixture(scope="session")
def google() -> Iterator[FakeGoogle]:
    """One fake Google for the run; each test that uses it calls ``reset()`` first."""
    with FakeGoogle() as server:
        yield server
