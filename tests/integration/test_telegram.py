"""The Telegram adapter against a fake Bot API speaking the real wire format."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from assistme.adapters.http.telegram import MAX_TEXT, TelegramBotApi
from assistme.core.scheduling.ports import DeliveryFailed
from tests.support.fake_telegram import FakeTelegram
from tests.support.http import loopback_client


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with loopback_client() as client:
        yield client


def bot(
    http: httpx.AsyncClient, telegram: FakeTelegram, token: str | None = None, timeout: float = 2.0
) -> TelegramBotApi:
    return TelegramBotApi(http, telegram.base_url + "/", token or telegram.token, timeout)


async def failure(sender: TelegramBotApi) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        await sender.send_message(1, "hello")
    return caught.value


async def test_a_message_reaches_the_chat_and_long_text_is_cut_to_fit(
    http: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    telegram.messages.clear()
    await bot(http, telegram).send_message(42, "hello")
    await bot(http, telegram).send_message(42, "x" * 5000)
    assert [m.chat_id for m in telegram.messages] == [42, 42]
    assert telegram.messages[0].text == "hello"
    assert len(telegram.messages[1].text) == MAX_TEXT
    assert telegram.messages[1].text.endswith("…")


async def test_failures_say_whether_a_retry_can_help(http: httpx.AsyncClient, telegram: FakeTelegram) -> None:
    telegram.fail_next(1, 429, "Too Many Requests: retry after 7", retry_after=7)
    limited = await failure(bot(http, telegram))
    assert (limited.permanent, limited.retry_after) == (False, 7)
    telegram.fail_next(1, 502, "Bad Gateway")
    assert (await failure(bot(http, telegram))).permanent is False
    telegram.fail_next(1, 403, "Forbidden: bot was blocked by the user")
    blocked = await failure(bot(http, telegram))
    assert blocked.permanent is True
    assert "blocked" in blocked.reason


async def test_a_refused_token_appears_nowhere(http: httpx.AsyncClient, telegram: FakeTelegram) -> None:
    wrong = "999:not-the-token"
    refused = await failure(bot(http, telegram, token=wrong))
    assert refused.permanent is True
    assert wrong not in refused.reason
    assert telegram.token not in refused.reason


async def test_a_hanging_or_absent_server_is_a_transient_failure_without_the_url(
    http: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    telegram.hang_next(1, 1.0)
    slow = await failure(bot(http, telegram, timeout=0.3))
    assert slow.permanent is False
    assert "Timeout" in slow.reason
    assert telegram.token not in slow.reason
    gone = TelegramBotApi(http, "http://127.0.0.1:9", telegram.token)
    unreachable = await failure(gone)
    assert (unreachable.permanent, "127.0.0.1" in unreachable.reason) == (False, False)


async def test_without_a_token_nothing_is_sent(http: httpx.AsyncClient, telegram: FakeTelegram) -> None:
    sender = TelegramBotApi(http, telegram.base_url, None)
    assert sender.enabled is False
    assert (await failure(sender)).permanent is True


async def test_the_test_transport_never_leaves_this_machine(http: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.ConnectError, match="refused by the test transport"):
        await http.get("https://api.telegram.org/")
