"""TelegramSender over the Bot API's ``sendMessage``.

The bot token is part of every request's path, so nothing here ever repeats a URL: httpx puts it into its
exceptions' text, which is why failures are described by the exception's class name only, raised ``from None``,
and why Telegram's own description is scrubbed of the token before it becomes a reason.
"""

from __future__ import annotations

from typing import Any

import httpx

from assistme.core.scheduling.ports import DeliveryFailed

MAX_TEXT = 4096  # Telegram's limit for one message, counted here in UTF-16 code units (never more than characters)
PERMANENT = frozenset({400, 403})  # chat not found, bot blocked by the user, user deactivated, text rejected
BAD_TOKEN = frozenset({401, 404})  # Telegram answers either for a token it does not know
MAX_DESCRIPTION = 200


class TelegramBotApi:
    """Sends through the shared client; every outcome but acceptance is a DeliveryFailed saying if a retry helps."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, token: str | None, timeout: float = 10.0) -> None:
        self._client = client
        self._base = base_url.removesuffix("/")
        self._token = token
        self._timeout = timeout

    @property
    def enabled(self) -> bool:
        return self._token is not None

    async def send_message(self, chat_id: int, text: str) -> None:
        if self._token is None:
            raise DeliveryFailed("no bot token configured", permanent=True)
        body = {"chat_id": chat_id, "text": fit(text), "link_preview_options": {"is_disabled": True}}
        try:
            response = await self._client.post(
                f"{self._base}/bot{self._token}/sendMessage", json=body, timeout=self._timeout
            )
        except httpx.HTTPError as exc:  # timeouts, refused connections, broken protocol: str(exc) holds the URL
            raise DeliveryFailed(f"telegram unreachable: {type(exc).__name__}") from None
        try:
            answer: Any = response.json()
        except ValueError:  # a proxy's error page, a truncated body
            raise DeliveryFailed(f"telegram answered {response.status_code} without JSON") from None
        if not isinstance(answer, dict):
            raise DeliveryFailed(f"telegram answered {response.status_code} with unexpected JSON")
        if response.is_success and answer.get("ok") is True:
            return
        raise self._failure(response, answer)

    def _failure(self, response: httpx.Response, answer: dict[str, Any]) -> DeliveryFailed:
        code = answer.get("error_code")
        status = code if isinstance(code, int) and not isinstance(code, bool) else response.status_code
        description = str(answer.get("description") or response.reason_phrase or "no description")
        if self._token:
            description = description.replace(self._token, "***")
        reason = f"telegram {status}: {description[:MAX_DESCRIPTION]}"
        if status == 429:
            return DeliveryFailed(reason, retry_after=_retry_after(response, answer))
        if status in BAD_TOKEN:
            return DeliveryFailed(f"telegram {status}: the bot token was refused", permanent=True)
        return DeliveryFailed(reason, permanent=status in PERMANENT)


def fit(text: str) -> str:
    """``text`` cut to Telegram's limit, ending with an ellipsis when cut; a surrogate pair is never split."""
    if len(text) <= MAX_TEXT // 2 or _units(text) <= MAX_TEXT:
        return text
    used = 0
    for index, char in enumerate(text):
        used += _units(char)
        if used > MAX_TEXT - 1:  # room for the one-unit ellipsis
            return text[:index] + "…"
    return text  # pragma: no cover - unreachable: the text was longer than the limit


def _units(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _retry_after(response: httpx.Response, answer: dict[str, Any]) -> float | None:
    parameters = answer.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    header = response.headers.get("Retry-After", "").strip()
    return float(header) if header.isdigit() else None
