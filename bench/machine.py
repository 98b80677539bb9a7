"""The machine the figures come from, and how busy it was."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _redis_version(url: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603
            ["redis-cli", "-u", url, "INFO", "server"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("redis_version")), "unknown")


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over ``seconds`` (0..1), from /proc/stat."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def describe(postgres: str, redis_url: str) -> dict[str, str]:
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "RAM": f"{_ram_gib():.1f} GiB",
        "kernel": platform.release(),
        "Python": platform.python_version(),
        "PostgreSQL": postgres,
        "Redis": _redis_version(redis_url),
        "load average (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
