"""A PostgreSQL cluster and a redis-server of the test's own, on free ports of 127.0.0.1, that a fault test may stop,
restart and kill without touching the machine's services (5432, 6379). Missing binaries skip, or fail when
``ASSISTME_TEST_REQUIRE_SERVICES=1``.

PostgreSQL refuses to run as root: as root (CI), the cluster belongs to the ``postgres`` account (or ``nobody``)
and every PostgreSQL command runs through ``runuser``; otherwise as the current user."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import redis

from tests.support.services import REQUIRE, free_port

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
UP_WITHIN = 20.0  # seconds a server may take to accept connections (a bound, not a measurement)
MACHINE_PORTS = {5432, 6379}


def missing(what: str) -> NoReturn:
    message = f"{what}: the fault suite starts its own servers from these binaries"
    if REQUIRE:
        pytest.fail(message + " (ASSISTME_TEST_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def _private_port() -> int:
    port = free_port()
    assert port not in MACHINE_PORTS
    return port


def _pg_bin() -> Path:
    """The newest installed PostgreSQL's binaries (Debian's layout), else whatever PATH offers."""
    found = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), key=lambda p: _version(p.parent.name))
    for candidate in reversed(found):
        if all((candidate / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return candidate
    if (pg_ctl := shutil.which("pg_ctl")) and shutil.which("initdb"):
        return Path(pg_ctl).resolve().parent
    missing(f"PostgreSQL server binaries (initdb, pg_ctl) under {PG_BIN_GLOB} or on PATH")


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _unprivileged() -> str | None:
    """The account PostgreSQL runs as when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            if shutil.which("runuser"):
                return name
    missing("an account to run PostgreSQL as (root may not; no `postgres` or `nobody` user, or no runuser)")


class PrivatePostgres:
    """``initdb`` into a temporary directory with trust authentication, TCP on 127.0.0.1 only, no fsync."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.user = _unprivileged()
        self.port = _private_port()
        self.home = Path(tempfile.mkdtemp(prefix="assistme-faults-pg-"))  # not under pytest's root-only tmp
        self.data = self.home / "data"
        self.log = self.home / "postgres.log"
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.home, entry.pw_uid, entry.pw_gid)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
        assert done.returncode == 0, f"{tool} {' '.join(args)}: {done.stdout}{done.stderr}\n{self.logs()}"

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "''",  # TCP only: nothing in /var/run/postgresql
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(int(UP_WITHIN)), "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        """Stop whatever runs (politely, then the postmaster by its pid) and remove the cluster."""
        try:
            if self.running():
                try:
                    self.stop("immediate")
                except AssertionError:
                    pid = int((self.data / "postmaster.pid").read_text().split()[0])
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def logs(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else "(no PostgreSQL log)"


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


class PrivateRedis:
    """``redis-server`` in the foreground, as a child of the test: no persistence, nothing written to disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            missing("redis-server")
        self.binary = binary
        self.port = _private_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.home = Path(tempfile.mkdtemp(prefix="assistme-faults-redis-"))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self._process is None, "redis-server is running already"
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--daemonize", "no", "--dir", str(self.home)]
        with (self.home / "redis.log").open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + UP_WITHIN
        while not self._answers():
            assert self._process.poll() is None, f"redis-server exited: {self.logs()}"
            assert time.monotonic() < deadline, f"redis-server never answered: {self.logs()}"
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGKILL: Redis is gone at once, as when its host dies."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def _answers(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def logs(self) -> str:
        log = self.home / "redis.log"
        return log.read_text()[-3000:] if log.exists() else "(no Redis log)"


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
