"""The scenarios, each a warm-up then three measured runs, as rows of the report."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import wrk
from bench.processes import PYTHON, ROOT, Processes
from bench.report import APP, Report, Row, median
from bench.seed import PASSWORD, Seeded

LIST = "/api/v1/assistants?limit=20"
CREATE = "/api/v1/assistants"
DASHBOARD = "/api/v1/dashboard/morning"
RUNS = 3
S3_ROUNDS = 5  # a ratio of two p99s moves with a few slow requests: more pairs, a steadier median
AT80_ROUNDS = 5  # as many runs as S3 has pairs


@dataclass(slots=True)
class Bench:
    warmup: float
    seconds: float
    connections: int
    server_core: int
    load_core: int
    work: Path  # scratch files and logs
    dsn: str
    seeded: Seeded
    seeded_at: datetime
    procs: Processes
    report: Report

    @property
    def tokens(self) -> Path:
        return self.work / "tokens.txt"


def measure(b: Bench, scenario: str, target: str, *, base: str, path: str, script: str = "get.lua") -> Row:
    """wrk at full speed: a warm-up, then the medians of three runs."""
    return measure_side_by_side(b, scenario, [(target, base)], path=path, script=script)[0]


def _wrk(b: Bench, base: str, path: str, script: str, seconds: float) -> wrk.Sample:
    return wrk.run(base + path, script, b.tokens, seconds=seconds, connections=b.connections, core=b.load_core)


def measure_side_by_side(
    b: Bench, scenario: str, targets: list[tuple[str, str]], *, path: str, script: str = "get.lua"
) -> list[Row]:
    """Like ``measure`` for servers that are all up: their runs alternate, so a machine that drifts during the
    minutes of a scenario moves every target's figures alike and their ratio stays fair."""
    for _, base in targets:
        _wrk(b, base, path, script, b.warmup)
    samples: dict[str, list[wrk.Sample]] = {target: [] for target, _ in targets}
    for _ in range(RUNS):
        for target, base in targets:
            samples[target].append(_wrk(b, base, path, script, b.seconds))
    rows = []
    for target, got in samples.items():
        row = Row(
            scenario,
            target,
            median([s.rps for s in got]),
            median([s.p50_ms for s in got]),
            median([s.p99_ms for s in got]),
            sum(s.errors for s in got),
        )
        b.report.rows.append(row)
        rows.append(row)
        print(
            f"  {scenario:<28} {target:<28} {row.rps:>8.0f} req/s  p50 {row.p50_ms:6.2f}  p99 {row.p99_ms:7.2f} ms"
            f"  errors {row.errors}",
            flush=True,
        )
    return rows


def fixed_rate(b: Bench, base: str, streams: list[dict[str, Any]], seconds: float) -> dict[str, dict[str, Any]]:
    """The open-loop client (bench/loadgen.py), pinned to the load core; its figures per stream."""
    spec = {
        "base": base,
        "seconds": seconds,
        "streams": streams,
        "tokens": b.tokens.read_text().split(),
        "emails": b.seeded.emails[:50],
        "password": PASSWORD,
    }
    path = b.work / "loadgen.json"
    path.write_text(json.dumps(spec))
    argv = ["taskset", "-c", str(b.load_core), PYTHON, "-m", "bench.loadgen", str(path)]
    out = subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return {s["name"]: s for s in json.loads(out)}


def fixed_rows(b: Bench, base: str, scenario: str, streams: list[dict[str, Any]]) -> dict[str, Row]:
    """A fixed-rate warm-up, then three runs; per stream, the medians (req/s is the rate answered)."""
    return alternating_fixed_rows(b, base, [(scenario, streams)])[0]


def alternating_fixed_rows(
    b: Bench, base: str, phases: list[tuple[str, list[dict[str, Any]]]], rounds: int = RUNS
) -> list[dict[str, Row]]:
    """Like ``fixed_rows`` for several phases whose runs alternate, ``rounds`` times: a phase compared with another
    is then measured beside it, not minutes later on a machine that has drifted. Per phase, its rows by stream."""
    for _, streams in phases:
        fixed_rate(b, base, streams, b.warmup)
    runs: list[list[dict[str, dict[str, Any]]]] = [[] for _ in phases]
    for _ in range(rounds):
        for got, (_, streams) in zip(runs, phases, strict=True):
            got.append(fixed_rate(b, base, streams, b.seconds))
    return [_fixed_rows(b, scenario, streams, got) for (scenario, streams), got in zip(phases, runs, strict=True)]


def _fixed_rows(
    b: Bench, scenario: str, streams: list[dict[str, Any]], runs: list[dict[str, dict[str, Any]]], note: str = ""
) -> dict[str, Row]:
    rows = {}
    for s in streams:
        name = s["name"]
        got = [r[name] for r in runs]
        late = max(g["client_late_ms"] for g in got)
        row = Row(
            f"{scenario} · {name}",
            APP,
            median([g["count"] / b.seconds for g in got]),
            median([g["p50_ms"] for g in got]),
            median([g["p99_ms"] for g in got]),
            sum(g["errors"] for g in got),
            f"fixed {s['rate']:.0f}/s; max {max(g['max_ms'] for g in got):.1f} ms"
            + (f"; client up to {late:.0f} ms late" if late > 5 else "")
            + (f"; {note}" if note else ""),
            [g["p99_ms"] for g in got],
        )
        rows[name] = row
        b.report.rows.append(row)
        print(
            f"  {scenario:<28} {name:<12} {row.rps:>8.0f} req/s  p50 {row.p50_ms:6.2f}  p99 {row.p99_ms:7.2f} ms"
            f"  errors {row.errors}  ({row.note})",
            flush=True,
        )
    return rows


def s1_at_80(b: Bench, base: str) -> None:
    """S1 at 80% of its maximum, five times, each run at 80% of a maximum measured by wrk just before it: this
    machine's speed drifts within minutes, and 80% of a maximum read earlier can be 95% of the present one. Each
    run has a warm-up at its rate first: wrk's 64 connections leave a queue behind that is not S1's latency at 80%."""
    s1: dict[str, Any] = {"name": "s1", "kind": "get", "path": LIST}
    rates: list[float] = []
    runs = []
    for _ in range(AT80_ROUNDS):
        rates.append(0.8 * _wrk(b, base, LIST, "get.lua", b.seconds).rps)
        streams = [s1 | {"rate": rates[-1]}]
        fixed_rate(b, base, streams, b.warmup)
        runs.append(fixed_rate(b, base, streams, b.seconds))
    each = ", ".join(f"{r:.0f}" for r in rates)
    _fixed_rows(b, "S1 at 80% of max", [s1 | {"rate": median(rates)}], runs, f"rates {each}/s")


async def forget_new_assistants(b: Bench) -> None:
    """What S2 created goes, so every target's S1 reads the same seeded pages."""
    conn = await asyncpg.connect(b.dsn)
    try:
        await conn.execute("DELETE FROM assistants WHERE created_at > $1", b.seeded_at)
        await conn.execute("VACUUM ANALYZE assistants")
    finally:
        await conn.close()


def dashboard_ready(base: str, token: str) -> str | None:
    """Warm the dashboard's caches; None when the route answers 200 with weather and news from the caches."""
    headers = {"Authorization": f"Bearer {token}"}
    answer = None
    for _ in range(3):
        answer = httpx.get(base + DASHBOARD, headers=headers, timeout=30)
        if answer.status_code == 404:
            return "GET /api/v1/dashboard/morning does not exist"
    assert answer is not None
    if answer.status_code != 200:
        return f"the dashboard answered {answer.status_code}: {answer.text[:200]}"
    body = answer.json()
    bad = [k for k in ("weather", "news") if body.get(k, {}).get("status") != "ok"]
    return f"sections not ok after warm-up: {bad}" if bad else None


def s3_login_burst(b: Bench, base: str, s1_max: float) -> list[dict[str, Row]]:
    """S1 at half its maximum with a /health probe every 10 ms, quiet and with 10 logins/s beside it; the two
    alternate five times, so each burst's p99 has a quiet one taken just before it to be compared with."""
    half = max(1.0, s1_max / 2)
    s1 = {"name": "s1", "kind": "get", "path": LIST, "rate": half}
    probe = {"name": "health", "kind": "health", "rate": 100, "connections": 8}
    login = {"name": "login", "kind": "login", "rate": 10, "connections": 16}
    phases = [("S3 quiet: S1 at ½ max", [s1, probe]), ("S3 burst: + 10 logins/s", [s1, probe, login])]
    return alternating_fixed_rows(b, base, phases, rounds=S3_ROUNDS)
