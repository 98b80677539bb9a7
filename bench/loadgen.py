"""An open-loop, fixed-rate HTTP client (what wrk cannot do): ``python -m bench.loadgen SPEC.json``.

Each stream sends at its own fixed rate; a request's latency is counted from the moment it was due, not from
when it was sent, so a server (or a client) that falls behind shows in the figures instead of slowing the load
(no coordinated omission). Prints one JSON object: per stream, the count, errors, p50, p99 and max in ms,
and how late the client itself was in starting requests (its own saturation).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import uvloop

LIST = "/api/v1/assistants?limit=20"
MIX: list[tuple[float, str, str]] = [  # weight, method, path
    (0.60, "GET", LIST),
    (0.15, "GET", "/api/v1/users/me"),
    (0.10, "GET", "/api/v1/cron-jobs?limit=20"),
    (0.10, "POST", "/api/v1/assistants"),
    (0.05, "GET", "/api/v1/notifications?limit=20"),
]
BODY = {"name": "Mixed assistant", "model": "llama3.1:8b", "instructions": "You answer briefly."}
Send = Callable[[aiohttp.ClientSession, int], Awaitable[bool]]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def sender(base: str, stream: dict[str, Any], spec: dict[str, Any]) -> Send:
    tokens = [f"Bearer {t}" for t in spec.get("tokens", [])]
    rnd = random.Random(stream["name"])  # noqa: S311 (load shape, not secrets)
    kind = stream["kind"]

    async def request(session: aiohttp.ClientSession, method: str, path: str, i: int, body: Any = None) -> bool:
        headers = {"Authorization": tokens[i % len(tokens)]} if tokens and kind != "health" else {}
        async with session.request(method, base + path, headers=headers, json=body) as response:
            await response.read()
            return response.status < 400

    async def send(session: aiohttp.ClientSession, i: int) -> bool:
        if kind == "get":
            return await request(session, "GET", stream["path"], i)
        if kind == "health":
            return await request(session, "GET", "/api/v1/health", i)
        if kind == "login":
            emails = spec["emails"]
            login = {"email": emails[i % len(emails)], "password": spec["password"]}
            async with session.post(base + "/api/v1/auth/login", json=login) as response:
                await response.read()
                return response.status == 200
        weight = rnd.random()
        for share, method, path in MIX:  # noqa: B007 (the pair chosen is used after the loop)
            weight -= share
            if weight <= 0:
                break
        return await request(session, method, path, i, BODY if method == "POST" else None)

    return send


async def stream_loop(base: str, stream: dict[str, Any], spec: dict[str, Any], start: float) -> dict[str, Any]:
    rate, seconds = float(stream["rate"]), float(spec["seconds"])
    send = sender(base, stream, spec)
    latencies: list[float] = []
    errors, late = 0, 0.0
    tasks: set[asyncio.Task[None]] = set()
    connector = aiohttp.TCPConnector(limit=int(stream.get("connections", 256)), force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(i: int, due: float) -> None:
            nonlocal errors
            try:
                ok = await send(session, i)
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            latencies.append((time.perf_counter() - due) * 1000)
            errors += not ok

        for i in itertools.count():
            due = start + i / rate
            if due - start >= seconds:
                break
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            late = max(late, time.perf_counter() - due)
            task = asyncio.create_task(one(i, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=30)
    return {
        "name": stream["name"],
        "rate": rate,
        "count": len(latencies),
        "errors": errors,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=float("nan")),
        "client_late_ms": late * 1000,
    }


async def main(spec: dict[str, Any]) -> list[dict[str, Any]]:
    start = time.perf_counter() + 0.2
    loops = [stream_loop(spec["base"], s, spec, start) for s in spec["streams"]]
    return list(await asyncio.gather(*loops))


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        loaded = json.load(f)
    print(json.dumps(uvloop.run(main(loaded))))
