"""Jobs, the runs they make, and the inbox their notifications land in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class JobType(StrEnum):
    NOTIFICATION = "notification"  # payload {"message"}: an inbox entry, and a Telegram message when linked
    SCHEDULE = "schedule"  # payload {"prompt", "assistant_id"?}: an agent task for an assistant


class MisfirePolicy(StrEnum):
    """What happens to occurrences that fell due while no scheduler was running."""

    SKIP = "skip"  # all recorded as missed
    RUN_ONCE = "run_once"  # the latest runs, the others are recorded as missed
    RUN_ALL = "run_all"  # the latest MAX_CATCH_UP run, older ones are recorded as missed


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    MISSED = "missed"


class Delivery(StrEnum):
    """Where a notification's Telegram message stands; the inbox entry exists whatever this says."""

    PENDING = "pending"  # waiting for an attempt (the first or a retry)
    SENT = "sent"
    FAILED = "failed"  # given up: permanent refusal or out of attempts


@dataclass(slots=True)
class Job:
    id: UUID
    owner_id: UUID
    name: str
    type: JobType
    cron_expression: str | None
    run_at: datetime | None
    timezone: str
    payload: dict[str, Any]
    is_active: bool
    misfire_policy: MisfirePolicy
    next_run_at: datetime | None  # None: a one-off that has run, or a paused job
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a client writes: a job without its identity, owner and computed fields."""

    name: str
    type: JobType
    cron_expression: str | None
    run_at: datetime | None
    timezone: str | None  # None: the owner's zone
    payload: dict[str, Any]
    is_active: bool
    misfire_policy: MisfirePolicy


@dataclass(slots=True)
class Run:
    id: UUID
    job_id: UUID
    owner_id: UUID
    scheduled_for: datetime
    trigger: Trigger
    status: RunStatus
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    lease_until: datetime | None
    error: str | None
    delivery: Delivery | None  # None: nothing to deliver (no Telegram link, no bot, or not a notification)
    delivery_attempts: int
    next_delivery_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One fire time of a job, and whether it runs or is only recorded as missed."""

    scheduled_for: datetime
    missed: bool = False


@dataclass(slots=True)
class Notification:
    id: UUID
    user_id: UUID
    run_id: UUID | None
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
