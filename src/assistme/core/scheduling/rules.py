"""The rules of a job: what a valid one is, when it fires next, and what a late scheduler does with the
occurrences it missed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from assistme.core.scheduling.cron import CronSchedule
from assistme.core.scheduling.entities import Job, JobSpec, JobType, MisfirePolicy, Occurrence
from assistme.core.shared.errors import InvalidInput
from assistme.core.shared.zones import check_timezone

MAX_CATCH_UP = 10
"""``run_all`` runs at most this many missed occurrences, the latest ones."""
MAX_MISSED_RECORDED = 100
"""A scheduler back after a long outage records at most this many ``missed`` runs per job, the latest ones."""
CATCH_UP_HORIZON = timedelta(days=1)
"""Occurrences older than this are neither run nor recorded: a job down for a week does not flood its history."""
MAX_NAME, MAX_MESSAGE, MAX_PROMPT = 200, 4000, 32_000


@dataclass(frozen=True, slots=True)
class SchedulingPolicy:
    lease_seconds: int = 60  # how long a worker holds a run before the sweeper hands it to another
    misfire_grace: int = 60  # an occurrence this late (seconds) is still on time, not missed
    max_run_attempts: int = 3  # a run whose worker died this many times fails instead of looping
    delivery_backoff: tuple[int, ...] = (10, 60, 300, 1800, 7200)  # seconds before each Telegram retry
    max_jobs_per_user: int = 200
    batch: int = 100  # jobs or runs handled per scheduler pass


def check_spec(spec: JobSpec, now: datetime, kept_run_at: datetime | None = None) -> JobSpec:
    """Refuse a job that cannot run, naming the field at fault; answer it with its cron expression normalised.
    ``spec.timezone`` is filled in. A ``run_at`` in the past is refused unless it is ``kept_run_at``, the one a
    one-off that already ran keeps through edits."""
    if not spec.name.strip() or len(spec.name) > MAX_NAME:
        raise InvalidInput.field("name", f"must be 1 to {MAX_NAME} characters")
    assert spec.timezone is not None
    check_timezone(spec.timezone)
    if (spec.cron_expression is None) == (spec.run_at is None):
        raise InvalidInput.field("cron_expression", "give either cron_expression or run_at, not both or neither")
    if spec.cron_expression is not None:
        spec = replace(spec, cron_expression=CronSchedule.parse(spec.cron_expression, spec.timezone).expression)
    elif spec.run_at is not None:
        if spec.run_at.tzinfo is None or spec.run_at.utcoffset() is None:
            raise InvalidInput.field("run_at", "needs a UTC offset, like 2026-05-01T09:00:00+02:00 or …Z")
        if spec.run_at <= now and spec.run_at != kept_run_at:
            raise InvalidInput.field("run_at", "is in the past")
    _check_payload(spec.type, spec.payload)
    return spec


def _check_payload(kind: JobType, payload: dict[str, Any]) -> None:
    allowed = {JobType.NOTIFICATION: {"message"}, JobType.SCHEDULE: {"prompt", "assistant_id"}}[kind]
    for key in payload.keys() - allowed:
        raise InvalidInput.field(f"payload.{key}", f"is not a field of a {kind.value} job")
    text_key, limit = ("message", MAX_MESSAGE) if kind is JobType.NOTIFICATION else ("prompt", MAX_PROMPT)
    text = payload.get(text_key)
    if not isinstance(text, str) or not text.strip() or len(text) > limit:
        raise InvalidInput.field(f"payload.{text_key}", f"must be text of 1 to {limit} characters")
    if "assistant_id" in payload:
        assistant_id(payload)


def assistant_id(payload: dict[str, Any]) -> UUID | None:
    """The assistant a ``schedule`` job asks, when it names one."""
    raw = payload.get("assistant_id")
    if raw is None:
        return None
    try:
        return UUID(str(raw))
    except ValueError:
        raise InvalidInput.field("payload.assistant_id", "must be an assistant id") from None


def cron_of(job: Job | JobSpec) -> CronSchedule | None:
    if job.cron_expression is None:
        return None
    assert job.timezone is not None
    return CronSchedule.parse(job.cron_expression, job.timezone)


def next_fire(job: Job, after: datetime) -> datetime | None:
    """When an active job fires next after ``after``; None for a paused job or a one-off that is behind us."""
    if not job.is_active:
        return None
    schedule = cron_of(job)
    if schedule is not None:
        return schedule.next_after(after)
    return job.run_at if job.run_at is not None and job.run_at > after else None


def plan(job: Job, now: datetime, grace: timedelta) -> tuple[list[Occurrence], datetime | None]:
    """The occurrences from ``job.next_run_at`` up to ``now``, each to run or to be recorded as missed by the
    job's misfire policy, and the job's next fire time after them."""
    assert job.next_run_at is not None
    schedule = cron_of(job)
    if schedule is None:
        due, following = [job.next_run_at], None
    else:
        start = max(job.next_run_at, now - CATCH_UP_HORIZON)
        first = [job.next_run_at] if job.next_run_at == start else []
        due = first + schedule.between(start, now, limit=24 * 60 + 1)  # cron fires at most once a minute
        following = schedule.next_after(now)
    late = [t for t in due if t < now - grace]
    runs = {t for t in due if t >= now - grace}
    if job.misfire_policy is MisfirePolicy.RUN_ONCE and late and not runs:
        runs.add(late[-1])
    elif job.misfire_policy is MisfirePolicy.RUN_ALL:
        runs.update(late[-MAX_CATCH_UP:])
    missed = [t for t in late if t not in runs][-MAX_MISSED_RECORDED:]
    occurrences = [Occurrence(t) for t in runs] + [Occurrence(t, missed=True) for t in missed]
    return sorted(occurrences, key=lambda o: o.scheduled_for), following
