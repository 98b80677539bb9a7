"""The table: req/s, p50, p99 per scenario and target, ratios to the baselines, the issue's targets."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime

BUSY = 0.15  # CPU share in use by others above which the figures are called preliminary
APP, RAW, FASTAPI, HELLO = "assistme", "litestar+asyncpg (ceiling)", "fastapi+sqlalchemy", "litestar hello"
APP_BARE = "assistme, analytics off"  # S1 only: what recording every request costs


@dataclass(slots=True)
class Row:
    scenario: str
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    note: str = ""
    p99_runs: list[float] = field(default_factory=list)  # each run's p99, in the order they ran


@dataclass(slots=True)
class Check:
    name: str
    measured: str
    met: bool | None  # None: not measured


@dataclass(slots=True)
class Report:
    mode: str
    machine: dict[str, str]
    busy: float
    settings: list[str]
    busy_after: float = 0.0
    rows: list[Row] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    instructions: dict[str, float] = field(default_factory=dict)  # per request, by what was counted

    def find(self, scenario: str, target: str) -> Row | None:
        return next((r for r in self.rows if r.scenario == scenario and r.target == target), None)

    def ratio(self, row: Row, target: str) -> str:
        base = self.find(row.scenario, target)
        if base is None or base.rps <= 0 or row.target in (target, HELLO) or math.isnan(row.rps):
            return ""
        return f"{row.rps / base.rps:.2f}x"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fmt(x: float, digits: int = 1) -> str:
    return "-" if math.isnan(x) else f"{x:,.{digits}f}"


def table(report: Report) -> str:
    lines = [
        "| scenario | target | req/s | p50 ms | p99 ms | errors | vs FastAPI | vs ceiling | note |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in report.rows:
        lines.append(
            f"| {r.scenario} | {r.target} | {_fmt(r.rps, 0)} | {_fmt(r.p50_ms, 2)} | {_fmt(r.p99_ms, 2)} | "
            f"{r.errors} | {report.ratio(r, FASTAPI)} | {report.ratio(r, RAW)} | {r.note} |"
        )
    return "\n".join(lines)


def checks(report: Report) -> str:
    lines = ["| target (issue 8) | measured | |", "|---|---|---|"]
    for c in report.checks:
        verdict = "not measured" if c.met is None else ("met" if c.met else "**not met**")
        lines.append(f"| {c.name} | {c.measured} | {verdict} |")
    return "\n".join(lines)


def markdown(report: Report) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = "\n".join(f"- {k}: {v}" for k, v in report.machine.items())
    seen = f"{report.busy:.0%} of its CPU in use just before the run, {report.busy_after:.0%} just after"
    busy = (
        f"**Preliminary figures**: the machine was busy with other work, such as test suites ({seen}), so every "
        "number below is noisy and probably low."
        if max(report.busy, report.busy_after) > BUSY
        else f"The machine was quiet around the run ({seen}); other work during it cannot be ruled out."
    )
    parts = [
        "# Performance",
        "",
        f"Written by `make bench` ({report.mode} mode) on {when}. How to run it and how to read it: "
        "[bench/README.md](../bench/README.md).",
        "",
        busy,
        "",
        "## Machine",
        "",
        machine,
        "",
        "## Setup",
        "",
        "\n".join(f"- {s}" for s in report.settings),
        "",
        "## Results",
        "",
        "Medians of three runs after a warm-up. *vs FastAPI* and *vs ceiling* divide the row's req/s by the "
        "FastAPI + SQLAlchemy baseline's and the Litestar + raw asyncpg baseline's in the same scenario.",
        "",
        table(report),
        "",
        "## Targets",
        "",
        checks(report),
        "",
    ]
    if report.instructions:
        counted = "\n".join(f"| {what} | {n:,.0f} |" for what, n in report.instructions.items())
        parts += [
            "## Instructions per request",
            "",
            "Counted by callgrind (`python -m bench.instructions`), in-process, one request at a time: the "
            "same figure to within 0.4% on a rerun, whatever else the machine does.",
            "",
            "| what | instructions per request |",
            "|---|--:|",
            counted,
            "",
        ]
    if report.notes:
        parts += ["## Notes", "", "\n".join(f"- {n}" for n in report.notes), ""]
    if report.profile:
        parts += ["## Where S1's time goes (py-spy)", "", "\n".join(report.profile), ""]
    return "\n".join(parts)


def text(report: Report) -> str:
    machine = ", ".join(f"{k}: {v}" for k, v in report.machine.items())
    busy = f"CPU busy before the run: {report.busy:.0%}, after: {report.busy_after:.0%}"
    counted = "".join(f"{what}: {n:,.0f} instructions per request\n" for what, n in report.instructions.items())
    return f"{machine}\n{busy}\n\n{table(report)}\n\n{counted}\n{checks(report)}\n"
