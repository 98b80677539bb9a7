"""Wire shapes of jobs, runs, the inbox and the Telegram link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from assistme.api.identity.schemas import Strict
from assistme.core.scheduling.entities import Job, JobSpec, JobType, MisfirePolicy, Notification, Run
from assistme.core.scheduling.jobs import JobChanges
from assistme.core.scheduling.ports import InboxPage
from assistme.core.scheduling.telegram_link import LinkCode

Kind = Literal["notification", "schedule"]
Misfire = Literal["skip", "run_once", "run_all"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Cron = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Zone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Payload = dict[str, Any]  # its fields depend on the type: the core checks them and names the one at fault


class JobIn(Strict):
    name: Name
    type: Kind
    payload: Payload
    cron_expression: Cron | None = None
    run_at: datetime | None = None
    timezone: Zone | None = None
    is_active: bool = True
    misfire_policy: Misfire = "run_once"

    def to_spec(self) -> JobSpec:
        return JobSpec(
            name=self.name,
            type=JobType(self.type),
            cron_expression=self.cron_expression,
            run_at=self.run_at,
            timezone=self.timezone,
            payload=self.payload,
            is_active=self.is_active,
            misfire_policy=MisfirePolicy(self.misfire_policy),
        )


class JobPatch(Strict):
    name: Name | UnsetType = UNSET
    type: Kind | UnsetType = UNSET
    payload: Payload | UnsetType = UNSET
    cron_expression: Cron | UnsetType | None = UNSET
    run_at: datetime | UnsetType | None = UNSET
    timezone: Zone | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    misfire_policy: Misfire | UnsetType = UNSET

    def to_changes(self) -> JobChanges:
        return JobChanges(
            name=self.name,
            type=self.type if isinstance(self.type, UnsetType) else JobType(self.type),
            cron_expression=self.cron_expression,
            run_at=self.run_at,
            timezone=self.timezone,
            payload=self.payload,
            is_active=self.is_active,
            misfire_policy=UNSET if isinstance(self.misfire_policy, UnsetType) else MisfirePolicy(self.misfire_policy),
        )


class JobOut(msgspec.Struct, kw_only=True):
    id: UUID
    owner_id: UUID
    name: str
    type: str
    cron_expression: str | None
    run_at: datetime | None
    timezone: str
    payload: Payload
    is_active: bool
    misfire_policy: str
    next_run_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            id=job.id,
            owner_id=job.owner_id,
            name=job.name,
            type=job.type.value,
            cron_expression=job.cron_expression,
            run_at=job.run_at,
            timezone=job.timezone,
            payload=job.payload,
            is_active=job.is_active,
            misfire_policy=job.misfire_policy.value,
            next_run_at=job.next_run_at,
            created_at=job.created_at,
            updated_at=job.updated_at,
        )


class RunOut(msgspec.Struct, kw_only=True):
    id: UUID
    job_id: UUID
    scheduled_for: datetime
    trigger: str
    status: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    delivery: str | None  # the Telegram message: pending, sent or failed; null when there is none to send
    delivery_attempts: int
    next_delivery_at: datetime | None

    @classmethod
    def of(cls, run: Run) -> RunOut:
        return cls(
            id=run.id,
            job_id=run.job_id,
            scheduled_for=run.scheduled_for,
            trigger=run.trigger.value,
            status=run.status.value,
            attempts=run.attempts,
            started_at=run.started_at,
            finished_at=run.finished_at,
            error=run.error,
            delivery=None if run.delivery is None else run.delivery.value,
            delivery_attempts=run.delivery_attempts,
            next_delivery_at=run.next_delivery_at,
        )


class NextRunsOut(msgspec.Struct):
    items: list[datetime]


class NotificationOut(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    body: str
    run_id: UUID | None
    created_at: datetime
    read_at: datetime | None
    is_read: bool

    @classmethod
    def of(cls, entry: Notification) -> NotificationOut:
        return cls(
            id=entry.id,
            title=entry.title,
            body=entry.body,
            run_id=entry.run_id,
            created_at=entry.created_at,
            read_at=entry.read_at,
            is_read=entry.read_at is not None,
        )


class InboxOut(msgspec.Struct):
    """A page of the inbox, and how many entries are unread in all of it."""

    items: list[NotificationOut]
    total: int
    limit: int
    offset: int
    unread_count: int

    @classmethod
    def of(cls, inbox: InboxPage) -> InboxOut:
        page = inbox.page
        items = [NotificationOut.of(entry) for entry in page.items]
        return cls(items, page.total, page.limit, page.offset, inbox.unread_count)


class LinkCodeOut(msgspec.Struct):
    code: str
    expires_at: datetime

    @classmethod
    def of(cls, code: LinkCode) -> LinkCodeOut:
        return cls(code.code, code.expires_at)


class TelegramLinkIn(Strict):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    chat_id: int
    telegram_id: int
