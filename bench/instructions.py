"""Instructions per request: the app's ASGI callable driven in-process under callgrind.

    .venv/bin/python -m bench.instructions [--scenario s1|s2] [--requests N] [--analytics on|off]

callgrind (valgrind) counts the instructions the app executes, not seconds, so the figure is the same whatever
else this machine does: where `make bench`'s req/s drift by ±15% between two runs of the same code, this tells a
cost of 1% from none. It measures the Python side only (no HTTP parsing, no kernel, no database server), one
request at a time, after a warm-up.

The served setup as `make bench` runs it (PostgreSQL, Redis for revocations, rate limits and request logs off),
on a database of its own, ``assistme_instructions_<pid>``, dropped at the end. With analytics on, records are written
when a batch of 1,000 is full, as under load, and never on the flush timer: under valgrind a request takes 30
times longer, and timed flushes would be counted 30 times too often.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bench import database
from bench.processes import PYTHON, ROOT, served_environment
from bench.scenarios import CREATE, LIST

DB_PREFIX = "assistme_instructions_"  # a count's own database; two counts may run side by side, one per core
PASSWORD = "instructions are counted"  # noqa: S105 (a throwaway account in a throwaway database)
WARMUP = 200
BATCH = 1000  # analytics records per write; a count covers whole batches, so it holds its share of the writes
BODY = b'{"name":"Bench assistant","model":"llama3.1:8b","instructions":"You answer briefly."}'


def _environment(database_name: str, analytics: bool) -> dict[str, str]:
    return served_environment(database_name, "assistme_instructions:") | {
        "ASSISTME_ANALYTICS_ENABLED": "true" if analytics else "false",
        "ASSISTME_ANALYTICS_FLUSH_INTERVAL": "86400",
        "ASSISTME_ANALYTICS_BATCH_SIZE": str(BATCH),
    }


async def _call(app: Any, method: str, path: str, body: bytes = b"", token: str | None = None) -> tuple[int, bytes]:
    """One request through the ASGI callable, as uvicorn would hand it over; its status and body."""
    raw_path, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    headers.append((b"content-length", str(len(body)).encode()))
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status, chunks = 0, []

    async def receive() -> Any:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the request was read whole: a disconnect never comes
        return None

    async def send(message: Any) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _lifespan(app: Any) -> Callable[[], Awaitable[None]]:
    """Start the app as uvicorn does; what stops it."""
    events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    started, stopped = asyncio.Event(), asyncio.Event()

    async def send(message: Any) -> None:
        (started if message["type"].startswith("lifespan.startup") else stopped).set()

    await events.put({"type": "lifespan.startup"})
    task: asyncio.Task[None] = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, events.get, send)
    )
    await started.wait()

    async def stop() -> None:
        await events.put({"type": "lifespan.shutdown"})
        await stopped.wait()
        await task

    return stop


def _callgrind(instrument: bool) -> None:
    """Count from here (or stop counting): the start-up and the warm-up are not the request's cost."""
    mode = "on" if instrument else "off"
    subprocess.run(["callgrind_control", "-i", mode, str(os.getpid())], check=True, capture_output=True)  # noqa: S603, S607


async def _drive(scenario: str, requests: int) -> None:
    """The child, under valgrind: an account with 30 assistants, a warm-up, then ``requests`` counted requests."""
    from assistme.app import create_app

    app = create_app()
    stop = await _lifespan(app)
    gc.collect()
    gc.freeze()  # as `assistme run` does once started
    body = json.dumps({"email": f"{secrets.token_hex(6)}@example.com", "password": PASSWORD}).encode()
    status, _ = await _call(app, "POST", "/api/v1/auth/register", body)
    status, answer = await _call(app, "POST", "/api/v1/auth/login", body)
    token = re.search(rb'"access_token":"([^"]+)"', answer)
    if status != 200 or token is None:
        raise SystemExit(f"login answered {status}: {answer[:200]!r}")
    bearer = token.group(1).decode()
    method, path, payload = ("GET", LIST, b"") if scenario == "s1" else ("POST", CREATE, BODY)
    for _ in range(30):
        await _call(app, "POST", CREATE, BODY, token=bearer)
    for _ in range(WARMUP):
        await _call(app, method, path, payload, bearer)
    _callgrind(instrument=True)
    for _ in range(requests):
        status, answer = await _call(app, method, path, payload, bearer)
        if status not in {200, 201}:
            raise SystemExit(f"{scenario} answered {status}: {answer[:200]!r}")
    _callgrind(instrument=False)
    await stop()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["s1", "s2"], default="s1")
    parser.add_argument(
        "--requests", type=int, default=2000, help=f"counted requests, a multiple of {BATCH} (default 2000)"
    )
    parser.add_argument("--analytics", choices=["on", "off"], default="on")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def require() -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed: apt-get install -y valgrind")


def count(scenario: str, *, analytics: bool, requests: int, database_name: str) -> float:
    """Instructions per request of ``scenario`` (s1 or s2), on a database of that name, created and dropped here."""
    require()
    if requests % BATCH:
        raise SystemExit(f"count a multiple of {BATCH} requests, not {requests}: a batch is written every {BATCH}")
    env = _environment(database_name, analytics)
    asyncio.run(database.create(database_name))
    try:
        database.migrate(env)
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null", PYTHON]
        argv += ["-m", "bench.instructions", "--child", "--scenario", scenario, "--requests", str(requests)]
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        counted = re.search(r"Collected : ([\d,]+)", done.stderr)
        if done.returncode != 0 or counted is None:
            raise RuntimeError(f"{scenario}: the count failed ({done.returncode}):\n{done.stderr[-3000:]}")
    finally:
        asyncio.run(database.drop(database_name))
    return int(counted.group(1).replace(",", "")) / requests


def main() -> int:
    args = _arguments()
    if args.child:
        import uvloop

        uvloop.run(_drive(args.scenario, args.requests))
        return 0
    on = args.analytics == "on"
    per_request = count(args.scenario, analytics=on, requests=args.requests, database_name=f"{DB_PREFIX}{os.getpid()}")
    print(f"{args.scenario} analytics {args.analytics}: {per_request:,.0f} instructions per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
