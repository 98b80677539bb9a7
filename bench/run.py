"""`make bench`: the served setup under load, beside its baselines; the table to docs/performance.md.

    .venv/bin/python -m bench.run [--quick] [--profile] [--output PATH]

Creates its own database (dropped at the end, also on failure or Ctrl-C) and Redis keys (db 14, prefix
``assistme_bench:``), and stops every process it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import httpx
import redis

from assistme.config import Settings
from bench import database, instructions, wrk
from bench.machine import cpu_busy, describe
from bench.processes import REDIS_URL, ROOT, Processes, free_port, serve, served_environment
from bench.profile import capture
from bench.report import APP, APP_BARE, FASTAPI, HELLO, RAW, Report, Row, markdown, text
from bench.scenarios import (
    CREATE,
    DASHBOARD,
    LIST,
    Bench,
    dashboard_ready,
    fixed_rows,
    forget_new_assistants,
    measure,
    measure_side_by_side,
    s1_at_80,
    s3_login_burst,
)
from bench.seed import Sizes, seed
from bench.targets import OFF, ON, S1, judge
from bench.upstreams import Upstreams

DB_NAME = "assistme_bench"
PREFIX = "assistme_bench:"
FULL = Sizes(users=10_000, assistants=100_000, jobs=100_000, messages=100_000, token_users=2_000)
QUICK = Sizes(users=1_000, assistants=10_000, jobs=10_000, messages=10_000, token_users=200)
HELLO_APP = "bench.baselines.hello:create_app"
# S1 and S2 run with these servers all up on the server core and their runs alternating: this machine drifts by
# more between one target's runs and the next's (minutes apart) than the ratios being judged. Label, what to serve,
# its log's name in var/bench, its own environment.
SIDE_BY_SIDE = [
    (RAW, "bench.baselines.raw_litestar:create_app", "raw_litestar", {}),
    (FASTAPI, "bench.baselines.fastapi_sqlalchemy:create_app", "fastapi_sqlalchemy", {}),
    (APP, "app", "assistme", {}),
    (APP_BARE, "app", "assistme_no_analytics", {"ASSISTME_ANALYTICS_ENABLED": "false"}),  # S1 only
]


NOTES = [
    "Ratios compare req/s at full speed (wrk, 64 connections): the server is saturated, so p50 and p99 there "
    "are mostly queueing; the fixed-rate rows (S1 at 80%, S3, S5) show latency below saturation.",
    "Event-loop lag is measured from outside, with nothing added to the app: a GET /api/v1/health every 10 ms "
    "(open loop, latency from when the probe was due). A probe's latency is an upper bound of the lag it met; "
    "compare the burst's health row with the quiet one, taken at the same S1 load without logins. Quiet and burst "
    "runs alternate, five of each; S1's p99 ratio is the median of the five pairs.",
    "What analytics costs is judged by S1's instructions per request with analytics on and off (callgrind, "
    "in-process): the served req/s of two identical servers drift apart by more than the 5% being judged.",
    "S1 at 80% of max runs five times, each run at 80% of a wrk maximum measured just before it (the note lists "
    "the rates) and after a warm-up at that rate; its p99 is the median of the five.",
    "S3's logins use the production argon2 parameters: each one hashes on a worker thread of the same pinned core.",
    "S4 is measured with weather and news cached (a local fake Open-Meteo and RSS feed answered the warm-up); "
    "calendar and mail answer not_connected (no Google connection), reminders read the seeded cron jobs.",
    "S5 mixes, at half of S1's maximum rate: 60% S1, 15% GET /users/me, 10% GET /cron-jobs?limit=20, "
    "10% POST /assistants, 5% GET /notifications?limit=20.",
    "Rows created by S2 and S5 are deleted after each target, so every target's S1 reads the same pages.",
]


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _smoke(base: str, token: str, target: str) -> None:
    """Each target must answer S1 and S2 correctly before it is timed."""
    headers = {"Authorization": f"Bearer {token}"}
    page = httpx.get(base + LIST, headers=headers, timeout=10)
    if page.status_code != 200 or len(page.json().get("items", [])) != 20:
        raise RuntimeError(f"{target}: S1 answered {page.status_code} {page.text[:300]}")
    made = httpx.post(base + CREATE, headers=headers, json={"name": "smoke", "model": "m"}, timeout=10)
    if made.status_code != 201:
        raise RuntimeError(f"{target}: S2 answered {made.status_code} {made.text[:300]}")


def _app_scenarios(b: Bench, base: str, s1: Row, pid: int, profile: bool) -> None:
    token = b.tokens.read_text().split()[0]
    if (why := dashboard_ready(base, token)) is None:
        measure(b, "S4 GET /dashboard/morning", APP, base=base, path=DASHBOARD)
    else:
        b.report.rows.append(
            Row(
                "S4 GET /dashboard/morning",
                APP,
                float("nan"),
                float("nan"),
                float("nan"),
                note=f"TODO: not measured ({why})",
            )
        )
    s1_at_80(b, base)
    s3_login_burst(b, base, s1.rps)
    fixed_rows(b, base, "S5 mixed", [{"name": "mixed", "kind": "mixed", "rate": 0.5 * s1.rps}])
    asyncio.run(forget_new_assistants(b))
    if profile:
        out = b.work / "s1.pyspy.txt"
        b.report.profile = capture(
            pid, base + LIST, b.tokens, seconds=10, connections=b.connections, core=b.load_core, out=out
        )
        print("\n".join(b.report.profile), flush=True)


def _run_targets(b: Bench, env: dict[str, str], profile: bool) -> None:
    hello = serve(b.procs, "hello", HELLO_APP, port=(port := free_port()), env=env, core=b.server_core)
    try:
        measure(b, "hello GET /hello", HELLO, base=f"http://127.0.0.1:{port}", path="/hello")
    finally:
        b.procs.stop(hello)
    token = b.tokens.read_text().split()[0]
    up: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        for target, module, name, extra in SIDE_BY_SIDE:
            port = free_port()
            proc = serve(b.procs, name, module, port=port, env=env | extra, core=b.server_core)
            up[target] = proc, f"http://127.0.0.1:{port}"
            _smoke(up[target][1], token, target)
        targets = [(target, base) for target, (_, base) in up.items()]
        s1 = measure_side_by_side(b, S1, targets, path=LIST)
        s2 = [(target, base) for target, base in targets if target != APP_BARE]
        measure_side_by_side(b, "S2 POST /assistants", s2, path=CREATE, script="post.lua")
        asyncio.run(forget_new_assistants(b))
        for target in (RAW, FASTAPI, APP_BARE):
            b.procs.stop(up.pop(target)[0])
        app, base = up[APP]
        _app_scenarios(b, base, next(row for row in s1 if row.target == APP), app.pid, profile)
    finally:
        for proc, _ in up.values():
            b.procs.stop(proc)


def _instructions(requests: int) -> dict[str, float]:
    """S1's instructions per request with analytics on and off: what recording every request costs, told apart
    from this machine's drift. The two counts run side by side, each on a database of its own."""
    print("counting S1's instructions per request under callgrind...", flush=True)
    counts = {ON: True, OFF: False}
    with ThreadPoolExecutor(len(counts)) as pool:
        running = {
            what: pool.submit(instructions.count, "s1", analytics=on, requests=requests, database_name=f"{DB_NAME}_{i}")
            for i, (what, on) in enumerate(counts.items())
        }
        counted = {what: future.result() for what, future in running.items()}
    for what, n in counted.items():
        print(f"  {what}: {n:,.0f} instructions per request", flush=True)
    return counted


def _clear_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=PREFIX + "*", count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])
    finally:
        client.close()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, 1 s warm-ups, 3 s runs")
    parser.add_argument("--profile", action="store_true", help="py-spy the app under S1 for 10 s")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--output", type=Path, help="markdown report (default docs/performance.md; quick: var/bench)")
    return parser.parse_args()


def _bench(args: argparse.Namespace, env: dict[str, str], procs: Processes, work: Path, busy: float) -> Report:
    """Migrate, seed, run every target; the database exists already."""
    defaults = Settings()
    sizes = QUICK if args.quick else FULL
    database.migrate(env)
    print(f"seeding {sizes}...", flush=True)
    started = datetime.now(UTC)
    argon2 = (defaults.argon2_time_cost, defaults.argon2_memory_kib)
    seeded = asyncio.run(
        seed(
            database.dsn(DB_NAME),
            sizes,
            secret_key=database.jwt_key(env["ASSISTME_SECRET_KEY"]),
            issuer=defaults.jwt_issuer,
            audience=defaults.jwt_audience,
            argon2=argon2,
        )
    )
    print(f"  seeded in {(datetime.now(UTC) - started).total_seconds():.1f} s: {seeded.counts}", flush=True)
    machine = describe(asyncio.run(database.server_version(DB_NAME)), REDIS_URL)
    report = Report("quick" if args.quick else "full", machine, busy, [])
    b = Bench(
        warmup=1 if args.quick else 5,
        seconds=3 if args.quick else 15,
        connections=args.connections,
        server_core=0,
        load_core=1,
        work=work,
        dsn=database.dsn(DB_NAME),
        seeded=seeded,
        seeded_at=datetime.now(UTC),
        procs=procs,
        report=report,
    )
    b.tokens.write_text("\n".join(seeded.tokens) + "\n")
    report.settings = _settings(b, seeded.counts, argon2)
    _run_targets(b, env, args.profile)
    report.instructions = _instructions(requests=instructions.BATCH * (1 if args.quick else 2))
    judge(report)
    return report


def main() -> int:
    args = _arguments()
    wrk.require()
    instructions.require()
    if importlib.util.find_spec("fastapi") is None:
        raise SystemExit("the baselines need bench/requirements.txt: make bench installs it")
    work = ROOT / "var/bench"
    work.mkdir(parents=True, exist_ok=True)
    output = args.output or (work / "performance-quick.md" if args.quick else ROOT / "docs/performance.md")
    for signum in (signal.SIGINT, signal.SIGTERM):  # also when started with SIGINT ignored (nohup, `&`)
        signal.signal(signum, _interrupt)
    procs = Processes(work)
    env = served_environment(DB_NAME, PREFIX)
    print("measuring how busy the machine is...", flush=True)
    busy = cpu_busy(2.0)
    created = False
    try:
        with Upstreams() as upstreams:
            env["ASSISTME_OPEN_METEO_BASE_URL"] = upstreams.base
            env["ASSISTME_NEWS_FEEDS"] = f"world={upstreams.base}/feeds/world.xml"
            asyncio.run(database.create(DB_NAME))
            created = True
            report = _bench(args, env, procs, work, busy)
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
        for scratch in ("tokens.txt", "loadgen.json"):
            (work / scratch).unlink(missing_ok=True)
        if created:
            asyncio.run(database.drop(DB_NAME))
        with contextlib.suppress(redis.RedisError):
            _clear_redis()
    report.busy_after = cpu_busy(2.0)
    report.machine["load average at the end"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    report.notes = NOTES
    print("\n" + text(report))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown(report) + _kept_analysis(output))
    print(f"written to {output}")
    return 0


ANALYSIS = "<!-- analysis: written by hand, kept by make bench -->"


def _kept_analysis(output: Path) -> str:
    """What people wrote below the marker of the previous report, read off an earlier run: it is theirs to update."""
    previous = output.read_text() if output.exists() else ""
    return "\n" + previous[previous.index(ANALYSIS) :] if ANALYSIS in previous else ""


def _settings(b: Bench, counts: dict[str, int], argon2: tuple[int, int]) -> list[str]:
    data = ", ".join(f"{n:,} {t}" for t, n in counts.items())
    return [
        f"Data: {data}; {len(b.seeded.tokens):,} users with tokens, each owning 30 assistants (S1's page of 20 is "
        "full), their requests spread round-robin over those users.",
        f"Server: one uvicorn worker (uvloop, httptools, no access log), pinned to core {b.server_core} with "
        "taskset; assistme through `assistme run` with ASSISTME_LOG_REQUESTS=false and "
        "ASSISTME_RATE_LIMIT_ENABLED=false, PostgreSQL through asyncpg, revocations in Redis.",
        f"Load: wrk 1 thread, {b.connections} connections, pinned to core {b.load_core}; warm-up {b.warmup:.0f} s, "
        f"then three runs of {b.seconds:.0f} s. Fixed-rate scenarios: bench/loadgen.py (aiohttp, open loop, "
        "latency counted from when each request was due) on the same core.",
        "PostgreSQL and Redis run unpinned on the same two cores: they compete with the server and the load.",
        f"Passwords: argon2id, time cost {argon2[0]}, {argon2[1] // 1024} MiB (the production defaults).",
    ]


if __name__ == "__main__":
    sys.exit(main())
