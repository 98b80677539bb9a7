"""An HTTP client for tests that reaches only this machine.

Tests never open a connection to a non-loopback address: with this transport a broken address guard or a
forgotten base URL fails the test instead of reaching a real service or a private network.
"""

from __future__ import annotations

from typing import Any

import httpx

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LoopbackOnly(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host not in LOOPBACK:
            raise httpx.ConnectError(f"{request.url.host} refused by the test transport", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def loopback_client(**kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=LoopbackOnly(), **kwargs)
