"""The served background processes for real: `taskiq worker` and `taskiq scheduler` on a test's settings."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistme.config import Settings


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTME_")}
    for name in Settings.__struct_fields__:
        value = getattr(settings, name)
        if value is not None and name != "scheduler_in_process":
            env[f"ASSISTME_{name.upper()}"] = _variable(value)
    return env


def _variable(value: object) -> str:
    """A setting as its environment variable spells it: lists comma-separated, mappings as JSON."""
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


class Processes:
    """Worker and scheduler processes, each in its own process group so it can be killed whole."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self._env = environment(settings)
        self._logs = logs
        self._running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *command: str) -> None:
        with (self._logs / f"{name}.log").open("ab") as out:  # the child keeps its own copy of the descriptor
            self._running[name] = subprocess.Popen(  # noqa: S603 (our own entry points)
                [sys.executable, "-m", "taskiq", *command, "--no-configure-logging"],
                cwd=self._logs,
                env=self._env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def worker(self, name: str) -> None:
        self.start(name, "worker", "assistme.worker:broker", "--workers", "1")

    def scheduler(self, name: str) -> None:
        self.start(name, "scheduler", "assistme.scheduler:scheduler")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self._running.pop(name)
        os.killpg(process.pid, sig)
        process.wait(timeout=20)

    def stop_all(self) -> None:
        for name in list(self._running):
            self.kill(name, signal.SIGTERM)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self._logs.glob("*.log")))


@contextmanager
def processes(settings: Settings, logs: Path) -> Iterator[Processes]:
    group = Processes(settings, logs)
    try:
        yield group
    finally:
        group.stop_all()


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float, logs: Processes) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}\n{logs.logs()}")
        await asyncio.sleep(0.25)
