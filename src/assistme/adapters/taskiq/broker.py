"""The Taskiq broker: Redis Streams in the served setup, in-process in the embedded one."""

from __future__ import annotations

from taskiq import AsyncBroker, InMemoryBroker
from taskiq_redis import RedisStreamBroker

STREAM_MAXLEN = 10_000
"""Acknowledged entries stay in a stream until trimmed; due work itself lives in the database."""


def make_broker(redis_url: str | None, key_prefix: str) -> AsyncBroker:
    """No result backend in Redis: tasks record their effects in the database, nobody waits on a return value."""
    if redis_url is None:
        # Runs each task in the process that sends it; it cannot listen, so there is no separate worker.
        return InMemoryBroker()
    return RedisStreamBroker(
        redis_url,
        queue_name=f"{key_prefix}tasks",
        consumer_group_name=f"{key_prefix}workers",
        # A new consumer group reads the stream from its start, not from "now": tasks sent before the
        # first worker ever started are not skipped.
        consumer_id="0",
        maxlen=STREAM_MAXLEN,
        # A worker killed while reclaiming unacknowledged messages must not hold that lock forever.
        unacknowledged_lock_timeout=30,
        socket_connect_timeout=2,
    )
