"""Sending: the scheduler loop queues what is due, a worker makes one attempt and decides what comes next."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from assistme.core.scheduling.ports import NotificationRepository
from assistme.core.shared.clock import Clock
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.entities import Answer, Attempt, Delivery, DeliveryStatus, Endpoint
from assistme.core.webhooks.policy import WebhookPolicy
from assistme.core.webhooks.ports import DeliveryRepository, EndpointRepository, WebhookQueue, WebhookSender
from assistme.core.webhooks.signing import headers

GONE = 410
STOPPED = "the worker stopped before the attempt finished"  # an attempt taken back from a worker that stopped


@dataclass(slots=True)
class DispatchWebhooks:
    """Queue every delivery whose attempt is due. Each is leased first, so two passes queue it once; a message
    lost on the way is queued again when the lease runs out. An attempt whose worker stopped is taken back first:
    recorded as failed, and retried on the schedule like any failure. Answers how many were queued."""

    deliveries: DeliveryRepository
    queue: WebhookQueue
    uow: UnitOfWork
    clock: Clock
    policy: WebhookPolicy

    async def __call__(self) -> int:
        now = self.clock.now()
        for delivery in await self.deliveries.stalled(now, self.policy.batch):
            decide(self.policy, delivery, Answer(None, 0, error=STOPPED), now)
            await self.deliveries.record(delivery, Attempt(delivery.attempts, None, 0, STOPPED, now))
        due = await self.deliveries.dispatch(now, now + timedelta(seconds=self.policy.lease_seconds), self.policy.batch)
        await self.uow.commit()
        for delivery_id, attempt in due:
            await self.queue.send(delivery_id, attempt)
        return len(due)


def backoff(policy: WebhookPolicy, attempt: int, retry_after: float | None) -> float | None:
    """Seconds until the attempt after ``attempt``, None when the schedule is spent. Each wait is jittered; the
    receiver's Retry-After wins when it asks for longer (up to a day)."""
    if attempt > len(policy.retry_schedule):
        return None
    wait = policy.retry_schedule[attempt - 1] * random.uniform(1 - policy.jitter, 1 + policy.jitter)  # noqa: S311
    return max(wait, min(retry_after or 0, policy.longest_retry_after))


def decide(policy: WebhookPolicy, delivery: Delivery, answer: Answer, now: datetime) -> None:
    """The delivery's status and next attempt after ``answer``."""
    if answer.ok:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        return
    wait = None if answer.permanent or answer.status == GONE else backoff(policy, delivery.attempts, answer.retry_after)
    if wait is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now + timedelta(seconds=wait)


@dataclass(slots=True)
class DeliverWebhook:
    """One attempt. A redelivered message finds its attempt counted and does nothing; an attempt counted past the
    policy's last is not made. Only 2xx succeeds; 410 disables the endpoint; an endpoint that has kept failing
    for the policy's window is disabled too, and its owner is told in the inbox."""

    deliveries: DeliveryRepository
    endpoints: EndpointRepository
    sender: WebhookSender
    notifications: NotificationRepository
    policy: WebhookPolicy
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, delivery_id: UUID, attempt: int) -> DeliveryStatus | None:
        now = self.clock.now()
        delivery = await self.deliveries.claim(delivery_id, attempt, now + timedelta(seconds=self.policy.lease_seconds))
        # The attempt is counted before anything else can fail, and no transaction stays open over the call: if
        # this worker stops from here on, the dispatcher takes the attempt back.
        await self.uow.commit()
        endpoint = None if delivery is None else await self.endpoints.get(delivery.endpoint_id)
        if delivery is None or endpoint is None:
            return None
        sending = endpoint.is_active and attempt <= self.policy.max_attempts
        if sending:
            body = json.dumps(delivery.payload, separators=(",", ":")).encode()
            signed = headers(endpoint.secrets(now), delivery.message_id, int(now.timestamp()), body)
            answer = await self.sender.send(endpoint.url, signed, body)
        elif endpoint.is_active:
            answer = Answer(
                None, 0, error=f"not sent: all {self.policy.max_attempts} attempts were made", permanent=True
            )
        else:
            answer = Answer(None, 0, error="the webhook is disabled", permanent=True)
        finished = self.clock.now()
        decide(self.policy, delivery, answer, finished)
        record = Attempt(attempt, answer.status, answer.duration_ms, answer.error, finished)
        recorded = await self.deliveries.record(delivery, record)
        if recorded and sending and await self._judge(endpoint, answer, finished):
            delivery.status = DeliveryStatus.FAILED  # abandoned with its endpoint, like every pending one
        await self.uow.commit()
        return delivery.status

    async def _judge(self, endpoint: Endpoint, answer: Answer, now: datetime) -> bool:
        """What the attempt says about the endpoint; True when it disabled it. Each step is one conditional
        update, so a user's edit made meanwhile stands and two workers disabling it tell its owner once. A failure
        after the endpoint sat idle (no failure for longer than any pending delivery waits) starts a new record:
        only failing throughout the window disables."""
        if answer.ok:
            await self.endpoints.note_success(endpoint.id)
            return False
        idle_before = now - timedelta(seconds=self.policy.idle_after)
        failing_since = await self.endpoints.note_failure(endpoint.id, now, idle_before)
        if failing_since is None:
            return False
        if answer.status == GONE:
            reason = "the receiver answered 410 Gone"
        elif now - failing_since >= timedelta(seconds=self.policy.failure_window):
            hours = self.policy.failure_window // 3600
            reason = f"every delivery failed for {hours} hours (the last: {answer.error or answer.status})"
        else:
            return False
        if not await self.endpoints.disable(endpoint.id, reason, now):
            return False
        await self.deliveries.abandon(endpoint.id, now)
        body = f"Webhook {endpoint.url} was disabled: {reason}. Fix the receiver, then enable it again."
        await self.notifications.add(endpoint.owner_id, "A webhook was disabled", body, now)
        return True
