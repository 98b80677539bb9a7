"""The Telegram adapter against a fake Bot API speaking the real wire format."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from assistme.adapters.http.telegram import MAX_TEXT, TelegramBotApi, fit
from assistme.core.scheduling.ports import DeliveryFailed
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.http import LoopbackOnly, loopback_client


@pytest.fixture
async def http(telegram: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    """With the fake as new: it serves the whole run."""
    telegram.reset()
    async with loopback_client() as client:
        yield client


def bot(
    http: httpx.AsyncClient, telegram: FakeTelegram, token: str | None = None, timeout: float = 2.0
) -> TelegramBotApi:
    return TelegramBotApi(http, telegram.base_url + "/", token or telegram.token, timeout)


async def failure(sender: TelegramBotApi, *secrets: str) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        await sender.send_message(1, "hello")
    error = caught.value
    for secret in secrets:
        assert secret not in error.reason
        assert secret not in str(error)
        assert secret not in repr(error)
    assert error.__cause__ is None
    return error


async def test_a_message_reaches_the_chat_and_long_text_is_cut_to_fit(
    http: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    await bot(http, telegram).send_message(42, "hello")
    await bot(http, telegram).send_message(-1001234, "x" * 5000)
    assert [m.chat_id for m in telegram.messages] == [42, -1001234]
    assert telegram.messages[0] == SentMessage(42, "hello")
    assert len(telegram.messages[1].text) == MAX_TEXT
    assert telegram.messages[1].text == "x" * (MAX_TEXT - 1) + "…"


def test_cutting_counts_utf16_units_and_never_splits_a_pair() -> None:
    assert fit("x" * MAX_TEXT) == "x" * MAX_TEXT
    cut = fit("😀" * MAX_TEXT)
    assert cut.endswith("😀…")
    assert len(cut.encode("utf-16-le")) // 2 <= MAX_TEXT


async def test_a_rate_limit_is_transient_and_says_when_to_retry(
    http: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    telegram.fail_next(1, 429, "Too Many Requests: retry after 7", retry_after=7)
    limited = await failure(bot(http, telegram), telegram.token)
    assert (limited.permanent, limited.retry_after) == (False, 7)
    assert limited.reason == "telegram 429: Too Many Requests: retry after 7"


@pytest.mark.parametrize(
    ("status", "description", "permanent"),
    [
        (403, "Forbidden: bot was blocked by the user", True),
        (403, "Forbidden: user is deactivated", True),
        (400, "Bad Request: chat not found", True),
        (502, "Bad Gateway", False),
        (500, "Internal Server Error", False),
    ],
)
async def test_failures_say_whether_a_retry_can_help(
    http: httpx.AsyncClient, telegram: FakeTelegram, status: int, description: str, permanent: bool
) -> None:
    telegram.fail_next(1, status, description)
    failed = await failure(bot(http, telegram), telegram.token)
    assert (failed.permanent, failed.retry_after) == (permanent, None)
    assert failed.reason == f"telegram {status}: {description}"


async def test_a_refused_token_is_permanent_and_appears_nowhere(
    http: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    wrong = "999:not-the-token"
    refused = await failure(bot(http, telegram, token=wrong), wrong, telegram.token)
    assert refused.permanent is True
    assert refused.reason == "telegram 401: the bot token was refused"
    assert telegram.requests == 1


async def test_a_hang_past_the_timeout_is_transient_and_hides_the_url(
    http: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    telegram.hang_next(1, 1.0)
    slow = await failure(bot(http, telegram, timeout=0.3), telegram.token, telegram.base_url)
    assert (slow.permanent, slow.reason) == (False, "telegram unreachable: ReadTimeout")
    # Like the real API, the message still goes out after the hang: delivery is at least once.
    assert await asyncio.to_thread(telegram.wait_for, 1, 5.0) == [SentMessage(1, "hello")]


async def test_an_absent_server_is_transient(http: httpx.AsyncClient, telegram: FakeTelegram) -> None:
    gone = TelegramBotApi(http, "http://127.0.0.1:9", telegram.token)
    unreachable = await failure(gone, telegram.token, "127.0.0.1")
    assert (unreachable.permanent, unreachable.reason) == (False, "telegram unreachable: ConnectError")


@pytest.mark.parametrize(
    ("response", "reason", "retry_after"),
    [
        (httpx.Response(502, text="<html>bad gateway</html>"), "telegram answered 502 without JSON", None),
        (httpx.Response(200, json=["ok"]), "telegram answered 200 with unexpected JSON", None),
        (httpx.Response(429, json={"ok": False}, headers={"Retry-After": "12"}), "telegram 429: Too Many Requests", 12),
    ],
)
async def test_odd_answers_are_transient(response: httpx.Response, reason: str, retry_after: float | None) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: response)) as client:
        failed = await failure(TelegramBotApi(client, "http://127.0.0.1", "1:secret"), "1:secret")
    assert (failed.permanent, failed.reason, failed.retry_after) == (False, reason, retry_after)


async def test_without_a_token_nothing_is_sent(http: httpx.AsyncClient, telegram: FakeTelegram) -> None:
    sender = TelegramBotApi(http, telegram.base_url, None)
    assert sender.enabled is False
    assert (await failure(sender)).reason == "no bot token configured"
    assert (await failure(sender)).permanent is True
    assert telegram.requests == 0


async def test_the_fake_answers_like_telegram(http: httpx.AsyncClient, telegram: FakeTelegram) -> None:
    url = f"{telegram.base_url}/bot{telegram.token}"
    sent = (await http.post(f"{url}/sendMessage", json={"chat_id": 7, "text": "hi"})).json()
    assert sent["ok"] is True
    assert (sent["result"]["chat"], sent["result"]["text"]) == ({"id": 7, "type": "private"}, "hi")
    empty = await http.post(f"{url}/sendMessage", json={"chat_id": 7})
    assert (empty.status_code, empty.json()["description"]) == (400, "Bad Request: message text is empty")
    unknown = await http.post(f"{url}/getMe")
    assert (unknown.status_code, unknown.json()["ok"], unknown.json()["error_code"]) == (404, False, 404)


class Recording(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200)


@pytest.mark.parametrize("url", ["https://api.telegram.org/", "http://telegram.invalid/", "http://10.0.0.1/"])
async def test_the_test_transport_never_leaves_this_machine(url: str) -> None:
    inner = Recording()
    async with httpx.AsyncClient(transport=LoopbackOnly(inner)) as client:
        with pytest.raises(httpx.ConnectError, match="refused by the test transport"):
            await client.get(url)
        await client.get("http://localhost/")
    assert [str(request.url) for request in inner.requests] == ["http://localhost/"]
