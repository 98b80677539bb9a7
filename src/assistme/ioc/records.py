"""dishka providers: what is kept about requests: analytics, idempotency keys, and their pruning."""

from __future__ import annotations

from datetime import timedelta

from dishka import Provider, Scope, provide, provide_all

from assistme.adapters.persistence.api_calls import SqlApiCallStore
from assistme.adapters.persistence.due_work import SqlDueWork
from assistme.adapters.persistence.history import SqlHistory
from assistme.adapters.persistence.idempotency import SqlIdempotencyStore
from assistme.adapters.security.keyring import development_key
from assistme.adapters.security.sealing import FernetSealer
from assistme.config import Settings
from assistme.core.analytics.api_calls import FlushApiCalls, ReportApiCalls
from assistme.core.analytics.buffer import CallBuffer
from assistme.core.analytics.due_work import MeasureDueWork
from assistme.core.analytics.ports import ApiCallStore, DueWork
from assistme.core.housekeeping.retention import History, PruneHistory, RetentionPolicy
from assistme.core.idempotency.keys import IdempotencyKeys, IdempotencyPolicy
from assistme.core.idempotency.ports import AnswerSealer, IdempotencyStore


class Analytics(Provider):
    """The request records' buffer is one per process: the app fills it and its flusher empties it. A test passes
    the buffer it shares between the app and its own flushes; otherwise one is made."""

    def __init__(self, buffer: CallBuffer | None = None) -> None:
        super().__init__()
        self._buffer = buffer

    @provide(scope=Scope.APP)
    def buffer(self, settings: Settings) -> CallBuffer:
        if self._buffer is not None:  # not `or`: an empty buffer is falsy
            return self._buffer
        return CallBuffer(settings.analytics_batch_size, settings.analytics_buffer_size)

    store = provide(SqlApiCallStore, scope=Scope.REQUEST, provides=ApiCallStore)
    due_work = provide(SqlDueWork, scope=Scope.REQUEST, provides=DueWork)
    use_cases = provide_all(FlushApiCalls, ReportApiCalls, MeasureDueWork, scope=Scope.REQUEST)


class Idempotency(Provider):
    """Claims and answers in short transactions of their own, never on a request's session."""

    scope = Scope.APP
    store = provide(SqlIdempotencyStore, provides=IdempotencyStore)
    keys = provide(IdempotencyKeys)

    @provide
    def sealer(self, settings: Settings) -> AnswerSealer:
        return FernetSealer(settings.encryption_keys or [development_key(settings.secret_key)])

    @provide
    def policy(self, settings: Settings) -> IdempotencyPolicy:
        return IdempotencyPolicy(
            retention=timedelta(hours=settings.idempotency_retention_hours),
            lease=timedelta(seconds=settings.idempotency_lease_seconds),
        )


class Housekeeping(Provider):
    history = provide(SqlHistory, scope=Scope.REQUEST, provides=History)
    prune = provide(PruneHistory, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> RetentionPolicy:
        return RetentionPolicy(days=settings.retention_days, idempotency_hours=settings.idempotency_retention_hours)
