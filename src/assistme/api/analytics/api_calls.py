"""Analytics: /analytics/api-calls (admin), per route and method."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.params import QueryParameter

from assistme.api.access import SECURED
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset
from assistme.core.analytics.api_calls import ReportApiCalls
from assistme.core.analytics.entities import ApiCallReport, ApiCallSummary
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest

Since = Annotated[
    datetime | None,
    QueryParameter(description="Count from this instant (ISO 8601 with an offset); 24 hours ago if absent"),
]


class ApiCallOut(msgspec.Struct):
    route: str  # the route template, like /api/v1/assistants/{assistant_id}; "(unmatched)" for 404s and 405s
    method: str
    count: int
    error_count: int  # answers with a status of 500 or more: the API failed
    client_error_count: int  # answers with a status of 400 to 499: the request was refused
    p50_ms: float | None
    p95_ms: float | None

    @classmethod
    def of(cls, s: ApiCallSummary) -> ApiCallOut:
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return cls(s.route, s.method, s.count, s.error_count, s.client_error_count, ms(s.p50_ms), ms(s.p95_ms))


class ApiCallsOut(msgspec.Struct):
    """A page of routes, busiest first, and the start of the first minute counted."""

    items: list[ApiCallOut]
    total: int
    limit: int
    offset: int
    since: datetime

    @classmethod
    def of(cls, report: ApiCallReport) -> ApiCallsOut:
        page = report.page
        return cls([ApiCallOut.of(s) for s in page.items], page.total, page.limit, page.offset, report.since)


class AnalyticsController(Controller):
    path = "/api/v1/analytics"
    tags = ["analytics"]
    security = SECURED

    @get(
        "/api-calls",
        summary="Calls per route and method: count, errors, p50 and p95 latency (admin)",
        responses=responses(403),
    )
    @inject
    async def api_calls(
        self,
        principal: FromDishka[Principal],
        report: FromDishka[ReportApiCalls],
        since: Since = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> ApiCallsOut:
        return ApiCallsOut.of(await report(principal, since, PageRequest(limit, offset)))
