"""An HTTP client for tests that reaches only this machine.

Tests never open a connection to a non-loopback address: with this transport a broken address guard or a
forgotten base URL fails the test instead of reaching a real service or a private network. The host is checked
literally, before any name is resolved or any connection opened.
"""

from __future__ import annotations

from typing import Any

import httpx

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class LoopbackOnly(httpx.AsyncBaseTransport):
    """Refuses every request whose host is not literally loopback; hands the rest to ``inner`` (a real transport)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._inner = inner if inner is not None else httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host not in LOOPBACK:
            raise httpx.ConnectError(f"{request.url.host} refused by the test transport", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def loopback_client(**kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` (same keyword arguments) that can only reach 127.0.0.1, localhost and ::1."""
    if "transport" in kwargs or "mounts" in kwargs:
        raise TypeError("loopback_client chooses the transport itself")
    return httpx.AsyncClient(transport=LoopbackOnly(), **kwargs)
