"""TelegramSender over the Bot API's ``sendMessage``.

The bot token is part of every request's path, so nothing here ever repeats a URL: httpx puts it into its
exceptions' text, which is why failures are described by the exception's class name only.
"""

from __future__ import annotations

from typing import Any

import httpx

from assistme.core.scheduling.ports import DeliveryFailed

MAX_TEXT = 4096  # Telegram's limit for one message
PERMANENT = {400, 403}  # chat not found, bot blocked by the user, user deactivated
BAD_TOKEN = {401, 404}  # Telegram answers either for a token it does not know


class TelegramBotApi:
    def __init__(self, client: httpx.AsyncClient, base_url: str, token: str | None, timeout: float = 10.0) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    @property
    def enabled(self) -> bool:
        return self._token is not None

    async def send_message(self, chat_id: int, text: str) -> None:
        if self._token is None:
            raise DeliveryFailed("no bot token configured", permanent=True)
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        body = {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}
        try:
            response = await self._client.post(
                f"{self._base}/bot{self._token}/sendMessage", json=body, timeout=self._timeout
            )
            answer: Any = response.json()
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"telegram unreachable: {type(exc).__name__}") from None
        except ValueError:
            raise DeliveryFailed(f"telegram answered {response.status_code} without JSON") from None
        if response.is_success and isinstance(answer, dict) and answer.get("ok") is True:
            return
        raise _failure(response, answer if isinstance(answer, dict) else {})


def _failure(response: httpx.Response, answer: dict[str, Any]) -> DeliveryFailed:
    status = int(answer.get("error_code") or response.status_code)
    description = str(answer.get("description") or response.reason_phrase)[:200]
    if status == 429:
        parameters = answer.get("parameters") or {}
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        if retry_after is None and response.headers.get("Retry-After", "").isdigit():
            retry_after = int(response.headers["Retry-After"])
        return DeliveryFailed(f"telegram 429: {description}", retry_after=retry_after)
    if status in BAD_TOKEN:
        return DeliveryFailed(f"telegram {status}: the bot token was refused", permanent=True)
    return DeliveryFailed(f"telegram {status}: {description}", permanent=status in PERMANENT)
