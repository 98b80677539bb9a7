"""Today's reminders: when the user's notification jobs fire between their next fire time and the day's end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from assistme.core.briefing.entities import Day
from assistme.core.scheduling.entities import Job, JobType
from assistme.core.scheduling.ports import JobRepository
from assistme.core.scheduling.rules import cron_of
from assistme.core.shared.pagination import MAX_LIMIT, PageRequest

_BEFORE = timedelta(microseconds=1)  # CronSchedule.between includes its end; the day's end belongs to tomorrow


@dataclass(frozen=True, slots=True)
class Reminder:
    job_id: UUID
    name: str
    message: str
    at: datetime  # UTC


@dataclass(slots=True)
class TodaysReminders:
    """Active notification jobs only (a ``schedule`` job asks an assistant, it reminds nobody); every fire time
    of a cron job that falls within ``day``, soonest first, at most ``limit`` of them."""

    jobs: JobRepository

    async def __call__(self, user_id: UUID, day: Day, limit: int) -> list[Reminder]:
        found: list[Reminder] = []
        offset = 0
        while True:  # a person holds at most max_jobs_per_user jobs: a few pages at most
            page = await self.jobs.page(user_id, PageRequest(MAX_LIMIT, offset))
            for job in page.items:
                found.extend(self._within(job, day, limit))
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
        return sorted(found, key=lambda reminder: reminder.at)[:limit]

    def _within(self, job: Job, day: Day, limit: int) -> list[Reminder]:
        first = job.next_run_at
        if job.type is not JobType.NOTIFICATION or not job.is_active or first is None or first >= day.end:
            return []
        times = [first] if first >= day.start else []
        schedule = cron_of(job)
        if schedule is not None:
            times += schedule.between(max(first, day.start - _BEFORE), day.end - _BEFORE, limit)
        message = str(job.payload.get("message", ""))
        return [Reminder(job.id, job.name, message, at) for at in times[:limit]]
