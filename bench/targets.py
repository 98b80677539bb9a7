"""The issue's targets, judged against the rows of a report."""

from __future__ import annotations

import math

from bench.report import APP, APP_BARE, FASTAPI, RAW, Check, Report, Row

S1 = "S1 GET /assistants?limit=20"
S2 = "S2 POST /assistants"
QUIET = "S3 quiet: S1 at ½ max"
BURST = "S3 burst: + 10 logins/s"


def _get(report: Report, scenario: str, target: str = APP) -> Row | None:
    row = report.find(scenario, target)
    return None if row is None or math.isnan(row.rps) else row


def _ratio(report: Report, scenario: str, base: str, need: float, label: str) -> Check:
    app, other = _get(report, scenario), _get(report, scenario, base)
    name = f"{scenario.split(maxsplit=1)[0]} ≥ {label}"
    if app is None or other is None or other.rps <= 0:
        return Check(name, "-", None)
    ratio = app.rps / other.rps
    return Check(name, f"{ratio:.2f}x ({app.rps:,.0f} vs {other.rps:,.0f} req/s)", ratio >= need)


def judge(report: Report) -> None:
    checks = report.checks
    for scenario in (S1, S2):
        checks.append(_ratio(report, scenario, FASTAPI, 1.5, "1.5x FastAPI (aim 2x)"))
        checks.append(_ratio(report, scenario, RAW, 0.5, "50% of the raw-asyncpg ceiling"))
    recorded, bare = _get(report, S1), _get(report, S1, APP_BARE)
    checks.append(
        Check("S1 loses < 5% with analytics on", "-", None)
        if recorded is None or bare is None or bare.rps <= 0
        else Check(
            "S1 loses < 5% with analytics on",
            f"{recorded.rps / bare.rps:.2f}x ({recorded.rps:,.0f} on vs {bare.rps:,.0f} req/s off)",
            recorded.rps >= 0.95 * bare.rps,
        )
    )
    probe = _get(report, f"{BURST} · health")
    if probe is None:
        checks.append(Check("event loop lags ≤ 50 ms during the login burst", "-", None))
    else:
        quiet = _get(report, f"{QUIET} · health")
        was = f" (quiet: p99 {quiet.p99_ms:.1f} ms)" if quiet else ""
        checks.append(
            Check(
                "event loop lags ≤ 50 ms during the login burst",
                f"/health probe every 10 ms: max {_max(probe)} ms, p99 {probe.p99_ms:.1f} ms{was}",
                _max_value(probe) <= 50,
            )
        )
    quiet_s1, burst_s1 = _get(report, f"{QUIET} · s1"), _get(report, f"{BURST} · s1")
    if quiet_s1 is None or burst_s1 is None:
        checks.append(Check("S1 p99 during the burst < 2x its quiet p99", "-", None))
    else:
        checks.append(
            Check(
                "S1 p99 during the burst < 2x its quiet p99",
                f"{burst_s1.p99_ms:.1f} ms vs {quiet_s1.p99_ms:.1f} ms ({burst_s1.p99_ms / quiet_s1.p99_ms:.2f}x)",
                burst_s1.p99_ms < 2 * quiet_s1.p99_ms,
            )
        )
    at80 = _get(report, "S1 at 80% of max · s1")
    checks.append(
        Check("S1 p99 < 50 ms at 80% of its max rate", "-", None)
        if at80 is None
        else Check(
            "S1 p99 < 50 ms at 80% of its max rate",
            f"p99 {at80.p99_ms:.1f} ms at {at80.note.split(';')[0]}",
            at80.p99_ms < 50,
        )
    )


def _max_value(row: Row) -> float:
    """The max latency the note of a fixed-rate row carries ("...; max 12.3 ms")."""
    for part in row.note.split(";"):
        if part.strip().startswith("max "):
            return float(part.strip().split()[1])
    return math.nan


def _max(row: Row) -> str:
    return f"{_max_value(row):.1f}"
