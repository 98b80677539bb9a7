"""Ports of the scheduling context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from assistme.core.scheduling.entities import Job, JobSpec, Notification, Occurrence, Run, Trigger
from assistme.core.shared.pagination import Page, PageRequest


class JobRepository(Protocol):
    async def get(self, job_id: UUID) -> Job | None: ...

    async def add(self, owner_id: UUID, spec: JobSpec, next_run_at: datetime | None) -> Job: ...

    async def save(self, job: Job) -> Job: ...

    async def delete(self, job_id: UUID) -> None: ...

    async def count(self, owner_id: UUID) -> int: ...

    async def page(self, owner_id: UUID, page: PageRequest) -> Page[Job]: ...

    async def due(self, now: datetime, limit: int) -> list[Job]:
        """Active jobs whose ``next_run_at`` has come, earliest first."""
        ...

    async def advance(self, job_id: UUID, expected: datetime, next_run_at: datetime | None) -> bool:
        """Move ``next_run_at`` from ``expected`` on, atomically: False when another scheduler (or an edit) did
        first. The winner alone records the occurrences it passed."""
        ...


class RunRepository(Protocol):
    async def get(self, run_id: UUID) -> Run | None: ...

    async def record(
        self, job: Job, occurrences: Sequence[Occurrence], trigger: Trigger, now: datetime, lease_until: datetime
    ) -> list[Run]:
        """Insert a run per occurrence unless ``(job_id, scheduled_for)`` has one; answer the runs inserted."""
        ...

    async def page(self, job_id: UUID, page: PageRequest) -> Page[Run]:
        """Newest occurrence first."""
        ...

    async def claim(self, run_id: UUID, now: datetime, lease_until: datetime) -> Run | None:
        """Atomically move a pending run to running under a lease, counting the attempt; None when the run is
        gone, finished, or running under another worker's live lease."""
        ...

    async def finish(self, run: Run) -> bool:
        """Write the outcome, unless another attempt has claimed the run since ``run.attempts`` was counted."""
        ...

    async def release_stale(self, now: datetime, lease_until: datetime, limit: int) -> list[UUID]:
        """Put pending and running runs whose lease ran out back to pending under a fresh lease; their ids."""
        ...

    async def claim_deliveries(self, now: datetime, lease_until: datetime, limit: int) -> list[UUID]:
        """Runs whose Telegram retry is due, each pushed to ``lease_until`` so no other sweep takes it too."""
        ...

    async def save_delivery(self, run: Run) -> None: ...


@dataclass(frozen=True, slots=True)
class InboxPage:
    page: Page[Notification]
    unread_count: int


class NotificationRepository(Protocol):
    async def for_run(self, user_id: UUID, run_id: UUID, title: str, body: str, now: datetime) -> Notification:
        """The run's inbox entry, created on the first call only: a run executed twice adds one entry."""
        ...

    async def by_run(self, run_id: UUID) -> Notification | None: ...

    async def add(self, user_id: UUID, title: str, body: str, now: datetime) -> Notification:
        """An entry of no run (a webhook disabled, say)."""
        ...

    async def get(self, notification_id: UUID) -> Notification | None: ...

    async def page(self, user_id: UUID, unread_only: bool, page: PageRequest) -> InboxPage: ...

    async def mark_read(self, user_id: UUID, notification_ids: Sequence[UUID] | None, now: datetime) -> None:
        """Mark these (None: all) of the user's unread entries read."""
        ...

    async def delete(self, notification_id: UUID) -> None: ...


class LinkCodeRepository(Protocol):
    async def replace(self, user_id: UUID, digest: str, expires_at: datetime) -> None:
        """Store a new code for the user; any earlier code of theirs stops working."""
        ...

    async def consume(self, digest: str, now: datetime) -> UUID | None:
        """The user of an unexpired, unused code, which is spent by this call (once, atomically)."""
        ...


class RunQueue(Protocol):
    """Carries work to the workers; what must happen lives in the database, so a lost message is re-sent."""

    async def execute(self, run_id: UUID) -> None: ...

    async def deliver(self, run_id: UUID) -> None: ...


class DeliveryFailed(Exception):
    """Telegram did not take a message. ``permanent``: retrying cannot help (chat gone, bot blocked)."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class TelegramSender(Protocol):
    @property
    def enabled(self) -> bool:
        """False when no bot token is configured: nothing is sent, and nothing is waiting to be."""
        ...

    async def send_message(self, chat_id: int, text: str) -> None:
        """Deliver ``text`` to the chat, or raise DeliveryFailed."""
        ...


class JobTasks(Protocol):
    async def submit(self, job: Job, run: Run) -> None:
        """Queue the agent task a `schedule` job's run asks for, once per run however often this is called; a
        DomainError when it cannot be (the job's assistant is gone and no secretary is linked)."""
        ...
