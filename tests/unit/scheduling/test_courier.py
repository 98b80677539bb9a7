"""One Telegram attempt and what it writes on the run: sent, retried later, or given up."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from assistme.core.scheduling.entities import Delivery, Run, RunStatus, Trigger
from assistme.core.scheduling.execute import Courier
from assistme.core.scheduling.ports import DeliveryFailed
from assistme.core.scheduling.rules import SchedulingPolicy

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
POLICY = SchedulingPolicy(delivery_backoff=(10, 60))


class Telegram:
    """Answers with the failures it was given, in order, then accepts."""

    enabled = True

    def __init__(self, *failures: DeliveryFailed) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, text))


def pending_run() -> Run:
    return Run(
        id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        owner_id=uuid.uuid4(),
        scheduled_for=NOW,
        trigger=Trigger.SCHEDULE,
        status=RunStatus.RUNNING,
        attempts=1,
        started_at=NOW,
        finished_at=None,
        lease_until=None,
        error=None,
        delivery=Delivery.PENDING,
        delivery_attempts=0,
        next_delivery_at=None,
        created_at=NOW,
    )


async def test_transient_failures_wait_longer_each_time_then_the_delivery_lands() -> None:
    telegram = Telegram(DeliveryFailed("telegram 502: Bad Gateway"), DeliveryFailed("telegram unreachable"))
    courier, run = Courier(telegram, POLICY), pending_run()
    await courier.attempt(run, 7, "hi", NOW)
    assert (run.delivery, run.next_delivery_at, run.error) == (
        Delivery.PENDING,
        NOW + timedelta(seconds=10),
        "telegram delivery failed (attempt 1): telegram 502: Bad Gateway",
    )
    await courier.attempt(run, 7, "hi", NOW)
    assert run.next_delivery_at == NOW + timedelta(seconds=60)
    await courier.attempt(run, 7, "hi", NOW)
    assert (run.delivery, run.next_delivery_at, run.error, run.delivery_attempts) == (Delivery.SENT, None, None, 3)
    assert telegram.sent == [(7, "hi")]


async def test_the_delivery_fails_once_the_backoff_is_used_up() -> None:
    courier, run = Courier(Telegram(*[DeliveryFailed("telegram 500: oops")] * 3), POLICY), pending_run()
    for _ in range(3):
        await courier.attempt(run, 7, "hi", NOW)
    assert (run.delivery, run.next_delivery_at, run.delivery_attempts) == (Delivery.FAILED, None, 3)


async def test_a_refusal_for_good_is_not_retried_and_retry_after_is_honoured() -> None:
    blocked, run = Courier(Telegram(DeliveryFailed("bot was blocked", permanent=True)), POLICY), pending_run()
    await blocked.attempt(run, 7, "hi", NOW)
    assert (run.delivery, run.next_delivery_at) == (Delivery.FAILED, None)
    limited, run = Courier(Telegram(DeliveryFailed("429", retry_after=300)), POLICY), pending_run()
    await limited.attempt(run, 7, "hi", NOW)
    assert run.next_delivery_at == NOW + timedelta(seconds=300)  # longer than the policy's first wait
