"""A small JSON client for Google's REST APIs over the shared ``httpx.AsyncClient``.

Google's error JSON (``{"error": {"code", "message", "status", "errors": [{"reason"}], "details": [{"reason"}]}}``)
becomes the core's errors. Nothing here repeats the access token, a URL or an exception's text (httpx puts URLs
into its exceptions): failures are described by status or class name only, and raised ``from None``.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Mapping
from typing import Any

import httpx

from assistme.core.integrations.ports import TokenRejected
from assistme.core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable

SCOPE_REASONS = frozenset({"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
# WWW-Authenticate: Bearer realm="...", error="insufficient_scope", scope="<every scope that would have done>"
CHALLENGE_SCOPE = re.compile(r'\bscope="([^"]*)"')
# Failures that prove the request never reached Google: no connection was made, so nothing can have happened.
UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
UNSURE = "google did not confirm the request, which may have been carried out: check before trying again"
BACKOFF = 0.2  # seconds before the first retry; doubled for each next one
MAX_RETRY_AFTER = 5.0
MAX_MESSAGE = 200


class ScopesRefused(PermissionDenied):
    """Google refused the token for lacking scopes; ``accepted`` are the scopes it named, any of which would do."""

    def __init__(self, accepted: frozenset[str]) -> None:
        super().__init__("google refused: insufficient scopes")
        self.accepted = accepted


class AlreadyExists(Conflict):
    """Google already holds a resource with the id the request chose."""


class _Retry(Exception):
    """A failure worth another attempt, after ``wait`` seconds. ``refused``: Google declined to carry the request
    out (a rate limit), so repeating it cannot repeat its effect."""

    def __init__(self, wait: float | None, *, refused: bool) -> None:
        super().__init__()
        self.wait = wait
        self.refused = refused


class GoogleApi:
    def __init__(self, client: httpx.AsyncClient, base_url: str, retries: int = 2, timeout: float = 10.0) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._retries = max(0, retries)
        self._timeout = timeout

    async def call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        replayable: bool = True,
    ) -> Any:
        """Google's parsed JSON answer, or None for an empty one (204). ``path`` starts with a slash and has its
        segments already quoted; a list in ``query`` repeats the parameter. A request that is not ``replayable``
        (a write Google cannot deduplicate) is repeated only when it certainly had no effect: never after a
        timeout or a 5xx, which may follow its success."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        wait: float | None = None
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(wait if wait is not None else BACKOFF * 2 ** (attempt - 1))
            try:
                response = await self._client.request(
                    method,
                    self._base + path,
                    params=dict(query) if query else None,
                    json=dict(body) if body is not None else None,
                    headers=headers,
                    timeout=self._timeout,
                )
                return _outcome(response)
            except UNSENT:
                wait = None
            except httpx.HTTPError:  # reset, timed out: str(exc) may hold the URL
                if not replayable:
                    raise Unavailable(UNSURE) from None
                wait = None
            except _Retry as retry:
                if not (replayable or retry.refused):
                    raise Unavailable(UNSURE) from None
                wait = retry.wait
        retry_after = max(1, math.ceil(wait)) if wait is not None else 5
        raise Unavailable("google is unavailable, try again later", retry_after)


def _outcome(response: httpx.Response) -> Any:
    status = response.status_code
    if response.is_success:
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise Unavailable("google answered without JSON") from None
    message, reasons = _error(response)
    if status >= 500:
        raise _Retry(_retry_after(response), refused=False)
    if status == 429 or (status == 403 and reasons & RATE_REASONS):
        raise _Retry(_retry_after(response), refused=True)
    if status == 403 and reasons & SCOPE_REASONS:
        raise ScopesRefused(_challenged_scopes(response))
    raise _failure(status, message, reasons) from None


def _challenged_scopes(response: httpx.Response) -> frozenset[str]:
    found = CHALLENGE_SCOPE.search(response.headers.get("www-authenticate", ""))
    return frozenset(found.group(1).split()) if found else frozenset()


def _failure(status: int, message: str, reasons: frozenset[str]) -> Exception:
    if status == 401:
        return TokenRejected("google refused the access token")
    if status == 403:  # a calendar the user may only read, a domain policy: retrying cannot help
        return PermissionDenied(f"google refused: {message or 'forbidden'}")
    if status in (404, 410):
        return NotFound("not found at google")
    if status == 409:
        return AlreadyExists(f"google refused: {message or 'it exists already'}")
    if status == 400:
        return InvalidInput.field("params", message or "google refused the request")
    return Unavailable(f"google answered {status}")


def _error(response: httpx.Response) -> tuple[str, frozenset[str]]:
    """Google's message (cut short) and every reason its error JSON gives; empty when it gave none."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return "", frozenset()
    if not isinstance(error, dict):  # the OAuth endpoints' {"error": "invalid_grant"} shape
        return "", frozenset({error}) if isinstance(error, str) else frozenset()
    items = [item for key in ("errors", "details") if isinstance(error.get(key), list) for item in error[key]]
    reasons = {str(item["reason"]) for item in items if isinstance(item, dict) and item.get("reason")}
    message = error.get("message")
    return (str(message)[:MAX_MESSAGE] if message else ""), frozenset(reasons)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:  # absent, or an HTTP date: the usual backoff then
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) if math.isfinite(seconds) else None
