"""More apps than the `app` fixture's: other settings, overriding providers, another client address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dishka import Provider
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from assistme.app import create_app
from assistme.config import Settings

Client = AsyncTestClient[Litestar]
BASE_URL = "http://testserver.local"
TEST_CLIENT_PEER = "testclient"
"""The address Litestar's test transport reports for every request: not an IP, so never a trusted proxy."""


class _Peer:
    """Makes requests arrive from ``host``, as a real server would report the connecting address."""

    def __init__(self, app: ASGIApp, host: str) -> None:
        self._app = app
        self._host = host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["client"] = (self._host, 50000)
        await self._app(scope, receive, send)


def build(settings: Settings, *providers: Provider, peer: str | None = None) -> Litestar:
    app = create_app(settings, *providers)
    if peer is not None:
        app.asgi_handler = _Peer(app.asgi_handler, peer)
    return app


@asynccontextmanager
async def running(settings: Settings, *providers: Provider, peer: str | None = None) -> AsyncIterator[Client]:
    """A started app and its client. Its rows and Redis keys are left to the `app` fixture's cleanup:
    a test using this on the fixture's database also asks for that fixture (``usefixtures("app")``)."""
    async with AsyncTestClient(build(settings, *providers, peer=peer), base_url=BASE_URL) as client:
        yield client
