"""A short py-spy capture of the app under S1, summed by function: where one request's time goes."""

from __future__ import annotations

import collections
import shutil
import subprocess
import threading
from pathlib import Path

from bench import wrk


def capture(pid: int, url: str, tokens: Path, *, seconds: float, connections: int, core: int, out: Path) -> list[str]:
    """Markdown lines: the top functions by own time and by inclusive time, as shares of all samples."""
    spy = shutil.which("py-spy") or str(Path(__file__).resolve().parent.parent / ".venv/bin/py-spy")
    if not Path(spy).exists():
        return ["py-spy is not installed (bench/requirements.txt): no profile."]
    load = threading.Thread(
        target=wrk.run,
        args=(url, "get.lua", tokens),
        kwargs={"seconds": seconds + 2, "connections": connections, "core": core},
    )
    load.start()
    try:
        subprocess.run(  # noqa: S603
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(round(seconds)),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        return [f"py-spy failed: {exc.stderr.decode(errors='replace')[-300:]}"]
    finally:
        load.join()
    return summarise(out)


def summarise(collapsed: Path, top: int = 15) -> list[str]:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [_short(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return ["py-spy recorded no samples."]
    lines = [f"{total} samples of the server process under S1 (wrk at full speed). Own time:", ""]
    lines += [f"- {n / total:5.1%} `{f}`" for f, n in own.most_common(top)]
    lines += ["", "Inclusive time (the function and what it calls), the app's own code and its libraries:", ""]
    interesting = [(f, n) for f, n in inclusive.most_common(200) if _interesting(f)][:top]
    lines += [f"- {n / total:5.1%} `{f}`" for f, n in interesting]
    return lines


def _short(frame: str) -> str:
    """``func (path/to/module.py:12)`` -> ``func (package/module.py)``, without the line."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def _interesting(frame: str) -> bool:
    return any(
        k in frame
        for k in (
            "assistme/",
            "litestar/",
            "dishka/",
            "sqlalchemy/",
            "advanced_alchemy/",
            "asyncpg/",
            "redis/",
            "jwt/",
            "msgspec",
            "uvicorn/",
        )
    )
