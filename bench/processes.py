"""Every process the runner starts, pinned to a core, and stopped (with its children) whatever happens."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bench import database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def served_environment(database_name: str, key_prefix: str) -> dict[str, str]:
    """The served setup as the issue asks, on ``database_name``: PostgreSQL, Redis, rate limits and request logs off."""
    return {
        **os.environ,
        "ASSISTME_ENVIRONMENT": "production",
        "ASSISTME_SECRET_KEY": secrets.token_hex(32),
        "ASSISTME_ENCRYPTION_KEYS": Fernet.generate_key().decode(),  # production refuses to start without one
        "ASSISTME_DATABASE_URL": database.sqlalchemy_url(database_name),
        "ASSISTME_REDIS_URL": REDIS_URL,
        "ASSISTME_REDIS_KEY_PREFIX": key_prefix,
        # Every target the same 20 connections, none opened and closed under load; four servers up at once stay
        # under PostgreSQL's default 100.
        "ASSISTME_DATABASE_POOL_SIZE": "20",
        "ASSISTME_DATABASE_MAX_OVERFLOW": "0",
        "ASSISTME_RATE_LIMIT_ENABLED": "false",
        "ASSISTME_LOG_REQUESTS": "false",
        "ASSISTME_LOG_LEVEL": "WARNING",
        "ASSISTME_SCHEDULER_IN_PROCESS": "false",
        "ASSISTME_WEATHER_TTL": "86400",
        "ASSISTME_NEWS_TTL": "86400",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Processes:
    """Started processes; each leads its own process group, so stopping it stops what it started."""

    def __init__(self, logs: Path) -> None:
        self._logs = logs
        self._running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], core: int | None) -> subprocess.Popen[bytes]:
        pinned = ["taskset", "-c", str(core), *argv] if core is not None else argv
        log = self.log(name).open("wb")
        proc = subprocess.Popen(  # noqa: S603 (argv built by the runner)
            pinned, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self._running.append(proc)
        return proc

    def log(self, name: str) -> Path:
        return self._logs / f"{name}.log"

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if proc in self._running:
            self._running.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self._running)):
            self.stop(proc)


def serve(
    procs: Processes, name: str, target: str, *, port: int, env: dict[str, str], core: int
) -> subprocess.Popen[bytes]:
    """One uvicorn worker on uvloop and httptools, no access log: the app through `assistme run`, a baseline
    through uvicorn itself with the same options."""
    if target == "app":
        argv = [str(ROOT / ".venv/bin/assistme"), "run", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    else:
        argv = [
            PYTHON,
            "-m",
            "uvicorn",
            "--factory",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    proc = procs.start(name, argv, env, core)
    wait_ready(proc, f"http://127.0.0.1:{port}", name, procs.log(name))
    return proc


def wait_ready(proc: subprocess.Popen[bytes], base: str, name: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see {log}")
        try:
            httpx.get(base + "/", timeout=1.0)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"{name} did not answer within {timeout:.0f} s; see {log}")
