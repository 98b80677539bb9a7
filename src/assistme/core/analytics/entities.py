"""What the analytics context records, stores and answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from assistme.core.analytics.histogram import BUCKETS
from assistme.core.shared.pagination import Page

ApiCall = tuple[str, str, int, float, UUID | None]
"""One request, as the outermost middleware hands it over: (route template, method, status, duration in ms, user
id). A plain tuple: it is made on every request."""

UNMATCHED = "(unmatched)"
"""The route of a request no route answered (404, 405): never its raw path, which the client chose."""


@dataclass(slots=True)
class RouteStats:
    """The calls of one route and method: how many, how many failed, and their latency histogram."""

    route: str
    method: str
    count: int = 0
    server_errors: int = 0  # status 500 and above: the API failed
    client_errors: int = 0  # status 400 to 499: the caller's request was refused
    buckets: list[int] = field(default_factory=lambda: [0] * BUCKETS)


@dataclass(frozen=True, slots=True)
class ApiCallSummary:
    route: str
    method: str
    count: int
    error_count: int
    client_error_count: int
    p50_ms: float | None
    p95_ms: float | None


DUE_WORK_KINDS = ("jobs", "job_runs", "agent_tasks", "webhook_deliveries")
"""Active jobs whose next occurrence is due but not yet recorded (this grows when no scheduler runs), recorded job
runs waiting for a worker, agent tasks waiting for one, and webhook deliveries whose attempt is due."""


@dataclass(frozen=True, slots=True)
class Backlog:
    """Due work of one kind: how many items wait, and how late the oldest of them is (0 when none waits)."""

    kind: str
    waiting: int
    lag_seconds: float


@dataclass(frozen=True, slots=True)
class Waiting:
    """What a store counts of one kind of due work: how many, and since when the oldest has been due."""

    kind: str
    count: int
    oldest_due: datetime | None


@dataclass(frozen=True, slots=True)
class ApiCallReport:
    since: datetime  # the start of the first minute counted
    page: Page[ApiCallSummary]
