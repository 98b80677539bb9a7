"""The one guard every route runs: who the caller is first, then what they sent.

One guard rather than two because Litestar hands each guard its own copy of the route handler: a second guard
was a copy of the handler, and a coroutine, on every request.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from assistme.api.access import access_guard
from assistme.api.inputs import input_guard


async def request_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    await access_guard(connection, handler)
    await input_guard(connection, handler)  # after: an unauthenticated caller gets 401 without its body being read
