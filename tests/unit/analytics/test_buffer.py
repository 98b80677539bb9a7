"""The request records' buffer and its flusher: written when a batch is full or the interval ends, bounded
(overflow dropped and counted), and a failing write never escapes."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from assistme.core.analytics.buffer import CallBuffer, Flusher

ROUTE = "/api/v1/assistants"


class Sink:
    """A flush that takes the batch, as FlushApiCalls does, and keeps it; or fails, when told to."""

    def __init__(self, buffer: CallBuffer, failing: bool = False) -> None:
        self.buffer = buffer
        self.failing = failing
        self.batches: list[int] = []
        self.flushed = asyncio.Event()

    async def __call__(self) -> int:
        batch = self.buffer.take()
        self.flushed.set()
        if self.failing:
            self.buffer.lose(len(batch))
            raise ConnectionError("the database is away")
        if batch:
            self.batches.append(len(batch))
        return len(batch)


def fill(buffer: CallBuffer, n: int) -> None:
    for _ in range(n):
        buffer.record(ROUTE, "GET", 200, 1.5, None)


def test_a_record_is_a_tuple_of_route_method_status_duration_and_user() -> None:
    buffer = CallBuffer(batch_size=10, capacity=100)
    user = uuid.uuid4()
    buffer.record(ROUTE, "POST", 201, 2.5, user)
    assert buffer.take() == [(ROUTE, "POST", 201, 2.5, user)]
    assert buffer.take() == []


def test_a_full_buffer_drops_and_counts_rather_than_grows() -> None:
    buffer = CallBuffer(batch_size=2, capacity=3)
    fill(buffer, 5)
    assert len(buffer) == 3
    assert buffer.dropped == 2
    assert len(buffer.take()) == 3
    fill(buffer, 1)  # room again once a flush took the batch
    assert (len(buffer), buffer.dropped) == (1, 2)


def test_a_full_batch_makes_the_buffer_due() -> None:
    buffer = CallBuffer(batch_size=3, capacity=10)
    fill(buffer, 2)
    assert not buffer.due.is_set()
    fill(buffer, 1)
    assert buffer.due.is_set()
    buffer.take()
    assert not buffer.due.is_set()


async def test_a_full_batch_is_flushed_before_the_interval_ends() -> None:
    buffer = CallBuffer(batch_size=5, capacity=100)
    sink = Sink(buffer)
    flusher = Flusher(buffer, sink, interval=3600)
    await flusher.start()
    try:
        await asyncio.sleep(0)
        fill(buffer, 4)
        await asyncio.sleep(0)
        assert sink.batches == []
        fill(buffer, 1)
        await asyncio.wait_for(sink.flushed.wait(), 5)
        assert sink.batches == [5]
    finally:
        await flusher.stop()


async def test_what_waits_is_flushed_when_the_interval_ends() -> None:
    buffer = CallBuffer(batch_size=1000, capacity=10_000)
    sink = Sink(buffer)
    flusher = Flusher(buffer, sink, interval=0.01)
    fill(buffer, 3)
    await flusher.start()
    try:
        while not sink.batches:  # no timing is asserted: only that the interval alone brings the write
            await asyncio.wait_for(sink.flushed.wait(), 5)
            sink.flushed.clear()
        assert sink.batches == [3]
    finally:
        await flusher.stop()


async def test_stopping_writes_what_is_left() -> None:
    buffer = CallBuffer(batch_size=1000, capacity=10_000)
    sink = Sink(buffer)
    flusher = Flusher(buffer, sink, interval=3600)
    await flusher.start()
    fill(buffer, 7)
    await flusher.stop()
    assert sink.batches == [7]
    assert len(buffer) == 0


async def test_a_failing_write_is_logged_and_counted_and_the_flusher_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    buffer = CallBuffer(batch_size=2, capacity=100)
    sink = Sink(buffer, failing=True)
    flusher = Flusher(buffer, sink, interval=3600)
    await flusher.start()
    try:
        with caplog.at_level(logging.WARNING, "assistme.analytics"):
            fill(buffer, 2)
            await asyncio.wait_for(sink.flushed.wait(), 5)
            await asyncio.sleep(0)
        assert buffer.dropped == 2
        assert "analytics flush failed" in caplog.text
        sink.failing, sink.flushed = False, asyncio.Event()
        fill(buffer, 2)  # the loop survived: the next batch is written
        await asyncio.wait_for(sink.flushed.wait(), 5)
        assert sink.batches == [2]
    finally:
        await flusher.stop()


async def test_flush_now_never_raises() -> None:
    buffer = CallBuffer(batch_size=2, capacity=100)
    fill(buffer, 1)
    flusher = Flusher(buffer, Sink(buffer, failing=True), interval=3600)
    assert await flusher.flush_now() == 0
    assert buffer.dropped == 1
