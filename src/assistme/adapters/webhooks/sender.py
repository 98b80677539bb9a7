"""POSTs a delivery: to the address the guard checked (never one resolved again), following no redirect, reading
at most a capped answer, within one overall timeout. Every outcome is an Answer; nothing raises."""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
from datetime import UTC, datetime

import httpx

from assistme.adapters.webhooks.guard import AddressGuard, Target
from assistme.core.shared.errors import InvalidInput
from assistme.core.webhooks.entities import Answer

MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer read; the rest is dropped


class HttpWebhookSender:
    def __init__(self, client: httpx.AsyncClient, guard: AddressGuard, timeout: float = 15.0) -> None:
        self._client = client
        self._guard = guard
        self._timeout = timeout

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        started = time.monotonic()
        try:
            # One deadline for resolving, connecting, sending and reading: httpx's timeouts are per step, and a
            # receiver dripping its answer a byte at a time (or a name server slow to answer) would hold the worker
            # far longer.
            async with asyncio.timeout(self._timeout):
                target, address = await self._guard.pin(url)
                request = self._request(target, address, headers, body)
                response = await self._client.send(request, stream=True, follow_redirects=False)
                try:
                    await _drain(response)
                finally:
                    await response.aclose()
        except InvalidInput as refused:
            return Answer(None, _ms(started), error=refused.detail, permanent=True)
        except (TimeoutError, httpx.TimeoutException):
            return Answer(None, _ms(started), error=f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as failed:
            return Answer(None, _ms(started), error=f"could not connect ({type(failed).__name__})")
        return Answer(response.status_code, _ms(started), _retry_after(response), _error(response))

    def _request(self, target: Target, address: str, headers: dict[str, str], body: bytes) -> httpx.Request:
        """The request to the pinned address; InvalidInput when httpx cannot make one of the URL, which no retry
        would change."""
        try:
            pinned = httpx.URL(scheme=target.scheme, host=address, port=target.port, raw_path=target.target.encode())
            return self._client.build_request(
                "POST",
                pinned,
                content=body,
                # the pool keys connections by address: a kept-alive TLS connection, checked for one host, would
                # carry the next delivery to another host on that address
                headers={**headers, "host": target.host_header, "connection": "close"},
                # TLS names and checks the host, not the address
                extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
                # the client's own default (5 s a step) would cut an attempt short of the configured timeout
                timeout=httpx.Timeout(self._timeout),
            )
        except (httpx.InvalidURL, ValueError) as unusable:  # UnicodeError is a ValueError
            raise InvalidInput.field("url", f"cannot be sent ({type(unusable).__name__})") from None


async def _drain(response: httpx.Response) -> None:
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read >= MAX_ANSWER:
            return


def _error(response: httpx.Response) -> str | None:
    if response.is_success:
        return None
    if response.is_redirect:
        return f"answered {response.status_code}: redirects are not followed"
    return f"answered {response.status_code}"


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the receiver asked to wait, from either form of Retry-After (seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (moment.replace(tzinfo=moment.tzinfo or UTC) - datetime.now(UTC)).total_seconds()
    return seconds if math.isfinite(seconds) and seconds > 0 else None
