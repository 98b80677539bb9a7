"""wrk runs: one thread pinned to the load core, Lua scripts for the headers and bodies, parsed figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PCT = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TOTAL = re.compile(r"(\d+) requests in")


@dataclass(frozen=True, slots=True)
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx answers and socket errors


def require() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (Debian), then run again")
    return path


def run(
    url: str, script: str, tokens: Path, *, seconds: float, connections: int, core: int, timeout_s: int = 10
) -> Sample:
    argv = [
        "taskset",
        "-c",
        str(core),
        require(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        "--latency",
        "-s",
        str(LUA / script),
        url,
        "--",
        str(tokens),
    ]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return parse(out)


def parse(out: str) -> Sample:
    pct = {p: float(v) * _UNITS[u] for p, v, u in _PCT.findall(out)}
    rps = _RPS.search(out)
    if rps is None or "50" not in pct or "99" not in pct:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = sum(int(x) for x in _ERRORS.findall(out)[0]) if _ERRORS.search(out) else 0
    non2xx = _NON2XX.search(out)
    total = _TOTAL.search(out)
    return Sample(
        rps=float(rps.group(1)),
        p50_ms=pct["50"],
        p99_ms=pct["99"],
        requests=int(total.group(1)) if total else 0,
        errors=errors + (int(non2xx.group(1)) if non2xx else 0),
    )
