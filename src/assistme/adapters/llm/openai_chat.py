"""LanguageModel over the chat-completions API that every OpenAI-compatible server speaks.

Network errors, timeouts, 429 and 5xx are retried a bounded number of times (a stream only before its body starts),
then become Unavailable; any other answer that cannot be used becomes ModelFailed. A failure never carries the API
key, the request body or httpx's exception text (which holds the URL): each is a fixed sentence raised ``from None``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx

from assistme.adapters.llm.wire import (
    UNAVAILABLE,
    StreamedReply,
    parse_completion,
    parse_json,
    request_body,
)
from assistme.core.conversations.model import Chunk, Completion, LanguageModel, Request
from assistme.core.shared.errors import ModelFailed, Unavailable

REFUSED_CREDENTIALS = "the language model server refused our credentials"
NO_MODEL = "this assistant names no model and its model server has no default model: give the assistant a model"
TRANSIENT = frozenset({408, 429})  # and every 5xx
MAX_WAIT = 10.0
MAX_REASON = 200

log = logging.getLogger(__name__)


def pause(attempt: int, retry_after: float | None) -> float:
    """Seconds before retry ``attempt + 1``: the server's Retry-After if it sent one, else 0.5, 1, 2...; 10 at most."""
    return min(retry_after if retry_after is not None else 0.5 * 2**attempt, MAX_WAIT)


class OpenAiChat:
    """One server, ``base_url`` like ``https://api.openai.com/v1`` or ``http://localhost:11434/v1``; ``model`` is
    the one asked for when a request names none (an assistant whose ``model`` is empty)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        api_key: str | None,
        *,
        model: str | None = None,
        timeout: float = 60.0,
        retries: int = 2,
    ) -> None:
        self._client = client
        self._model = model
        self._url = base_url.removesuffix("/") + "/chat/completions"
        self._key = api_key
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._retries = max(0, retries)

    async def complete(self, request: Request) -> Completion:
        response = await self._open(self._body(request, stream=False), stream=False)
        return parse_completion(parse_json(response.content))

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        response = await self._open(self._body(request, stream=True), stream=True)
        try:
            if response.headers.get("content-type", "").startswith("application/json"):  # answered whole anyway
                completion = parse_completion(parse_json(await _read(response)))
                if completion.content:
                    yield Chunk(delta=completion.content)
                yield Chunk(completion=completion)
                return
            reply = StreamedReply()
            async with contextlib.aclosing(_events(response)) as events:
                async for data in events:
                    if text := reply.add(data):
                        yield Chunk(delta=text)
            yield Chunk(completion=reply.finish())
        finally:
            await response.aclose()

    def _body(self, request: Request, *, stream: bool) -> dict[str, Any]:
        model = request.model or self._model
        if not model:
            raise Unavailable(NO_MODEL, 3600)
        return request_body(replace(request, model=model), stream=stream)

    async def _open(self, body: dict[str, Any], *, stream: bool) -> httpx.Response:
        """A successful response (its body still to read when ``stream``), after the retries transient failures get."""
        hint: float | None = None
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(pause(attempt - 1, hint))
            try:
                request = self._client.build_request(
                    "POST", self._url, json=body, headers=self._headers, timeout=self._timeout
                )
            except httpx.InvalidURL:
                raise ModelFailed("the language model server's address is not a valid URL") from None
            try:
                response = await self._client.send(request, stream=stream)
            except httpx.HTTPError as exc:  # refused, reset, timed out: str(exc) may hold the URL
                hint = None
                log.warning("language model request failed", extra={"error": type(exc).__name__, "attempt": attempt})
                continue
            if response.status_code in TRANSIENT or response.status_code >= 500:
                hint = _retry_after(response)
                await response.aclose()
                log.warning("language model answered", extra={"status": response.status_code, "attempt": attempt})
                continue
            if not response.is_success:
                raise await self._refusal(response)
            return response
        if hint is None:
            raise Unavailable(UNAVAILABLE)
        raise Unavailable(UNAVAILABLE, max(1, math.ceil(hint)))

    async def _refusal(self, response: httpx.Response) -> ModelFailed:
        status = response.status_code
        if status in (401, 403):
            await response.aclose()
            return ModelFailed(REFUSED_CREDENTIALS)
        reason = _reason(await _read(response, quietly=True))
        if self._key:
            reason = reason.replace(self._key, "***")
        reason = reason[:MAX_REASON]
        what = "refused the request" if status >= 400 else "answered unexpectedly"
        return ModelFailed(f"the language model server {what} ({status})" + (f": {reason}" if reason else ""))


@dataclass(frozen=True, slots=True)
class ConfiguredModels:
    """The server for each assistant type; None where that one is not configured."""

    llm: LanguageModel | None
    openai: LanguageModel | None

    def for_type(self, assistant_type: str) -> LanguageModel | None:
        return {"llm": self.llm, "openai_api": self.openai}.get(assistant_type)


async def _read(response: httpx.Response, *, quietly: bool = False) -> bytes:
    """The rest of the body; a connection lost meanwhile is Unavailable, or an empty body when ``quietly``."""
    try:
        return await response.aread()
    except httpx.HTTPError:
        if quietly:
            return b""
        raise Unavailable(UNAVAILABLE) from None
    finally:
        await response.aclose()


async def _events(response: httpx.Response) -> AsyncGenerator[str, None]:
    """The data of each Server-Sent Event up to ``[DONE]``; comments and other fields are skipped."""
    data: list[str] = []
    try:
        async for line in response.aiter_lines():
            if line:
                if line.startswith("data:"):
                    data.append(line.removeprefix("data:").removeprefix(" "))
                continue
            if data:
                event, data = "\n".join(data), []
                yield event
                if event == "[DONE]":
                    return
    except httpx.HTTPError:  # the connection broke after the answer began: too late to retry
        raise Unavailable(UNAVAILABLE) from None
    if data:
        yield "\n".join(data)


def _reason(body: bytes) -> str:
    """The server's own explanation from OpenAI's ``{"error": {"message"}}`` (or a bare ``{"error": "..."}``)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return " ".join(message.split()) if isinstance(message, str) else ""


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:  # absent, or an HTTP date
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
