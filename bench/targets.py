"""The issue's targets, judged against the rows of a report."""

from __future__ import annotations

import math

from bench.report import APP, APP_BARE, FASTAPI, RAW, Check, Report, Row, median

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
    checks.append(_analytics(report))
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
    checks.append(_burst_p99(report))
    checks.append(_at80(report))


ANALYTICS = "S1 loses < 5% with analytics on"
ON, OFF = "S1, analytics on", "S1, analytics off"


def _analytics(report: Report) -> Check:
    """Judged by instructions per request: req/s of two identical servers drift apart by ±15% on this machine,
    three times the margin, while a count repeats to within 0.4%. The req/s of the same run are shown beside it."""
    on, off = report.instructions.get(ON), report.instructions.get(OFF)
    if on is None or off is None:
        return Check(ANALYTICS, "-", None)
    recorded, bare = _get(report, S1), _get(report, S1, APP_BARE)
    served = (
        f"; served req/s {recorded.rps / bare.rps:.2f}x ({recorded.rps:,.0f} on vs {bare.rps:,.0f} off)"
        if recorded and bare and bare.rps > 0
        else ""
    )
    kept = off / on  # the share of S1's rate kept, where the app's work is what bounds it
    return Check(
        ANALYTICS, f"{kept:.3f}x by instructions ({on:,.0f} on vs {off:,.0f} off per request){served}", kept >= 0.95
    )


def _burst_p99(report: Report) -> Check:
    """The median of each burst run's p99 over the quiet run's just before it."""
    name = "S1 p99 during the burst < 2x its quiet p99"
    quiet, burst = _get(report, f"{QUIET} · s1"), _get(report, f"{BURST} · s1")
    if quiet is None or burst is None or not quiet.p99_runs:
        return Check(name, "-", None)
    pairs = [b / q for q, b in zip(quiet.p99_runs, burst.p99_runs, strict=True)]
    ratio = median(pairs)
    each = ", ".join(f"{x:.2f}" for x in pairs)
    return Check(
        name,
        f"median {ratio:.2f}x over {len(pairs)} pairs ({each}); medians {burst.p99_ms:.1f} ms vs {quiet.p99_ms:.1f} ms",
        ratio < 2,
    )


def _at80(report: Report) -> Check:
    """The median of five runs' p99, each run at 80% of the maximum measured just before it."""
    name = "S1 p99 < 50 ms at 80% of its max rate"
    at80 = _get(report, "S1 at 80% of max · s1")
    if at80 is None:
        return Check(name, "-", None)
    each = ", ".join(f"{x:.1f}" for x in at80.p99_runs)
    measured = f"median p99 {at80.p99_ms:.1f} ms over {len(at80.p99_runs)} runs ({each}; their rates in the row's note)"
    return Check(name, measured, at80.p99_ms < 50)


def _max_value(row: Row) -> float:
    """The max latency the note of a fixed-rate row carries ("...; max 12.3 ms")."""
    for part in row.note.split(";"):
        if part.strip().startswith("max "):
            return float(part.strip().split()[1])
    return math.nan


def _max(row: Row) -> str:
    return f"{_max_value(row):.1f}"
