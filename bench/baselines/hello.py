"""Baseline (c): a bare Litestar handler, for the scale of what one uvicorn worker on one core can answer.
`uvicorn --factory bench.baselines.hello:create_app`"""

from __future__ import annotations

from litestar import Litestar, get


@get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


def create_app() -> Litestar:
    return Litestar([hello], logging_config=None, debug=False)
