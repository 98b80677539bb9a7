"""Starting the real processes: the `assistme` console script, and `assistme run` until it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.services import free_port

ASSISTME = str(Path(sys.executable).with_name("assistme"))
DEADLINE = 15.0  # seconds a process may take to come up before the test gives up (a bound, not a measurement)
PASSWORD = "correct horse battery"


def environment(home: Path) -> dict[str, str]:
    """An embedded setup under ``home``, cheap password hashing, nothing inherited from this shell's ASSISTME_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTME_")}
    env.update(
        ASSISTME_ENVIRONMENT="test",
        ASSISTME_SECRET_KEY="e2e-secret-" + "x" * 40,
        ASSISTME_DATABASE_URL=f"sqlite+aiosqlite:///{home / 'var' / 'assistme.db'}",
        ASSISTME_STATIC_DIR=str(home / "static"),
        ASSISTME_ARGON2_TIME_COST="1",
        ASSISTME_ARGON2_MEMORY_KIB="1024",
    )
    return env


def cli(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    cwd = Path(env["ASSISTME_STATIC_DIR"]).parent  # home: no stray .env from the checkout
    command = [ASSISTME, *args]
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    if ok:
        assert done.returncode == 0, f"assistme {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


@dataclass(frozen=True)
class Server:
    """A running `assistme run`: a test may signal its process itself (SIGTERM during requests, say)."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def serving(env: dict[str, str], cwd: Path) -> Iterator[str]:
    """`assistme run` on a free port; answers its base URL once /api/v1/health does."""
    with launched(env, cwd) as server:
        yield server.base


@contextmanager
def launched(env: dict[str, str], cwd: Path, *options: str) -> Iterator[Server]:
    """`assistme run` on a free port, once /api/v1/health answers; stopped with SIGTERM unless it already exited,
    and asserted to have shut down cleanly."""
    port, log = free_port(), cwd / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own console script)
            [ASSISTME, "run", "--port", str(port), *options], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + DEADLINE
            while not _healthy(base):
                assert process.poll() is None, f"assistme run exited: {log.read_text()}"
                assert time.monotonic() < deadline, f"assistme run never answered: {log.read_text()}"
                time.sleep(0.1)
            yield Server(base, process, log)
        finally:
            process.terminate()
            process.wait(timeout=DEADLINE)
    # uvicorn exits by re-raising the signal it handled, so the exit status says nothing: the log does.
    assert "Application shutdown complete" in log.read_text(), f"assistme run did not stop cleanly: {log.read_text()}"


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
