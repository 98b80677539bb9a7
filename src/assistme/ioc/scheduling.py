"""dishka providers: jobs, runs, the inbox and Telegram."""

from __future__ import annotations

from dishka import Provider, Scope, provide, provide_all

from assistme.adapters.persistence.jobs import SqlJobRepository, SqlRunRepository
from assistme.adapters.persistence.notifications import SqlLinkCodeRepository, SqlNotificationRepository
from assistme.config import Settings
from assistme.core.scheduling.dispatch import DispatchDueRuns, SweepRuns
from assistme.core.scheduling.execute import Courier, DeliverRun, ExecuteRun
from assistme.core.scheduling.inbox import DeleteNotification, ListNotifications, ReadNotifications
from assistme.core.scheduling.jobs import CreateJob, DeleteJob, GetJob, JobChecks, ListJobs, UpdateJob
from assistme.core.scheduling.ports import (
    JobRepository,
    LinkCodeRepository,
    NotificationRepository,
    RunRepository,
)
from assistme.core.scheduling.rules import SchedulingPolicy
from assistme.core.scheduling.runs import ListRuns, PreviewRuns, RunJobNow
from assistme.core.scheduling.telegram_link import IssueTelegramLinkCode, LinkTelegramChat, UnlinkTelegramChat


class Scheduling(Provider):
    jobs = provide(SqlJobRepository, scope=Scope.REQUEST, provides=JobRepository)
    runs = provide(SqlRunRepository, scope=Scope.REQUEST, provides=RunRepository)
    notifications = provide(SqlNotificationRepository, scope=Scope.REQUEST, provides=NotificationRepository)
    link_codes = provide(SqlLinkCodeRepository, scope=Scope.REQUEST, provides=LinkCodeRepository)
    courier = provide(Courier, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> SchedulingPolicy:
        return SchedulingPolicy(
            lease_seconds=settings.run_lease_seconds,
            misfire_grace=settings.misfire_grace_seconds,
            max_run_attempts=settings.max_run_attempts,
            delivery_backoff=tuple(settings.delivery_backoff),
            max_jobs_per_user=settings.max_jobs_per_user,
        )

    use_cases = provide_all(
        JobChecks,
        ListJobs,
        GetJob,
        CreateJob,
        UpdateJob,
        DeleteJob,
        ListRuns,
        PreviewRuns,
        RunJobNow,
        DispatchDueRuns,
        SweepRuns,
        ExecuteRun,
        DeliverRun,
        ListNotifications,
        ReadNotifications,
        DeleteNotification,
        IssueTelegramLinkCode,
        LinkTelegramChat,
        UnlinkTelegramChat,
        scope=Scope.REQUEST,
    )
