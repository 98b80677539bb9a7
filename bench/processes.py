"""Every process the runner starts, pinned to a core, and stopped (with its children) whatever happens."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")


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
