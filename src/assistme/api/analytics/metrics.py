"""Prometheus metrics at /metrics, through Litestar's integration: its middleware counts requests and times them
(labelled by route template, not raw path), and each scrape adds how much due work waits and how late it is."""

from __future__ import annotations

import hmac
import logging
import math
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, get
from litestar.middleware.base import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Gauge

from assistme.api.access import bearer_token
from assistme.api.platform import NO_LIMIT
from assistme.core.analytics.buffer import CallBuffer
from assistme.core.analytics.due_work import MeasureDueWork
from assistme.core.analytics.entities import DUE_WORK_KINDS
from assistme.core.shared.errors import Unauthenticated

log = logging.getLogger("assistme.metrics")
PREFIX = "assistme"

# One set per process (Prometheus' registry is global), whichever app serves them.
WAITING = Gauge(f"{PREFIX}_due_work_waiting", "Due work waiting for a worker, by kind", ["kind"])
LAG = Gauge(f"{PREFIX}_due_work_lag_seconds", "How late the oldest waiting item of each kind is", ["kind"])
DROPPED = Gauge(f"{PREFIX}_analytics_dropped", "Request records this process dropped: buffer full or write failed")


def metrics_middleware() -> DefineMiddleware:
    return PrometheusConfig(app_name=PREFIX, prefix=PREFIX, group_path=True).middleware


def metrics_controller(token: str | None) -> type[PrometheusController]:
    """The scrape route; with ``token``, it answers only ``Authorization: Bearer <token>`` (else 401)."""
    expected = token.encode() if token else None

    class Metrics(PrometheusController):
        path = "/metrics"
        include_in_schema = False  # operations, not the API: its contract is Prometheus' text format

        @get(opt=NO_LIMIT, include_in_schema=False)
        @inject
        async def get(
            self,
            request: Request[Any, Any, Any],
            measure: FromDishka[MeasureDueWork],
            calls: FromDishka[CallBuffer],
        ) -> Response[Any]:
            if expected is not None and not hmac.compare_digest(bearer_token(request).encode(), expected):
                raise Unauthenticated("/metrics needs the metrics bearer token")
            await _measure(measure)
            DROPPED.set(calls.dropped)
            response: Response[Any] = await PrometheusController.get.fn(self)
            return response

    return Metrics


async def _measure(measure: MeasureDueWork) -> None:
    """The database down must not hide the request metrics: the gauges then read NaN."""
    try:
        backlog = await measure()
    except Exception:
        log.warning("metrics: due work could not be counted", exc_info=True)
        for kind in DUE_WORK_KINDS:
            WAITING.labels(kind).set(math.nan)
            LAG.labels(kind).set(math.nan)
        return
    for item in backlog:
        WAITING.labels(item.kind).set(item.waiting)
        LAG.labels(item.kind).set(item.lag_seconds)
