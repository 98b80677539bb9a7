"""The webhook sender: the connection goes to the address the guard checked while the request names the host, no
redirect is followed, the answer read is capped, and one deadline covers the whole attempt. Every client here
refuses anything but loopback, so a broken pin fails a test instead of reaching a network."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from assistme.adapters.webhooks.guard import AddressGuard
from assistme.adapters.webhooks.sender import MAX_ANSWER, HttpWebhookSender
from tests.support.fake_receiver import FakeReceiver
from tests.support.http import LoopbackOnly, loopback_client

HEADERS = {"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x"}


class Names:
    """A resolver whose answers a test sets, and changes, per name."""

    def __init__(self, **table: list[str]) -> None:
        self.table = table

    async def __call__(self, host: str, _port: int) -> list[str]:
        if host not in self.table:
            raise OSError("no such host")
        return self.table[host]


class Body(httpx.AsyncByteStream):
    """An answer body streamed as the network would (httpx reads a bytes body eagerly, a stream it does not), a
    chunk every ``pause`` seconds, ``chunks`` of them or without end; counts what was read of it."""

    def __init__(self, chunk: bytes = b"", pause: float = 0.0, chunks: int | None = 1) -> None:
        self.chunk, self.pause, self.chunks, self.read = chunk, pause, chunks, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        while self.chunks is None or sent < self.chunks:
            if self.pause:
                await asyncio.sleep(self.pause)
            self.read += len(self.chunk)
            sent += 1
            yield self.chunk


def mocked(
    status: int = 200, headers: dict[str, str] | None = None, body: Body | None = None
) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """A client whose transport records each request and answers as told, loopback only."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, headers=headers, stream=body or Body())

    return httpx.AsyncClient(transport=LoopbackOnly(httpx.MockTransport(handle))), seen


async def test_the_request_goes_to_the_checked_address_and_names_the_host(receiver: FakeReceiver) -> None:
    receiver.reset()
    port = int(receiver.base_url.rsplit(":", 1)[1])
    guard = AddressGuard(allow_private=True, resolver=Names(**{"hooks.test": ["127.0.0.1"]}))
    async with loopback_client() as client:
        answer = await HttpWebhookSender(client, guard).send(f"http://hooks.test:{port}/in?a=1", HEADERS, b"{}")
    assert (answer.status, answer.error) == (200, None)
    (request,) = receiver.received
    assert request.path == "/in"
    assert request.headers["host"] == f"hooks.test:{port}"
    assert request.headers["webhook-id"] == "msg_1"
    assert request.body == b"{}"


async def test_https_names_the_host_for_tls_and_never_keeps_the_connection() -> None:
    client, seen = mocked()
    guard = AddressGuard(allow_private=True, resolver=Names(**{"hooks.test": ["127.0.0.1"]}))
    async with client:
        await HttpWebhookSender(client, guard).send("https://hooks.test/in", HEADERS, b"{}")
    (request,) = seen
    assert (request.url.host, request.url.port) == ("127.0.0.1", None)
    assert request.extensions["sni_hostname"] == "hooks.test"
    assert request.headers["host"] == "hooks.test"
    assert request.headers["connection"] == "close"


async def test_an_ipv6_target_is_bracketed_in_the_host_header() -> None:
    client, seen = mocked()
    async with client:
        await HttpWebhookSender(client, AddressGuard(allow_private=True)).send("http://[::1]:8080/in", HEADERS, b"")
    (request,) = seen
    assert request.url.host == "::1"
    assert request.headers["host"] == "[::1]:8080"


async def test_a_name_that_now_resolves_inside_is_refused_before_connecting() -> None:
    names = Names(**{"hooks.example.com": ["93.184.216.34"]})
    guard = AddressGuard(resolver=names)
    await guard.check("https://hooks.example.com/in")  # as at creation
    names.table["hooks.example.com"] = ["93.184.216.34", "10.0.0.7"]  # rebinding: one inside answer is enough
    client, seen = mocked()
    async with client:
        answer = await HttpWebhookSender(client, guard).send("https://hooks.example.com/in", HEADERS, b"")
    assert seen == []
    assert answer.permanent
    assert answer.status is None
    assert "public address" in (answer.error or "")


async def test_a_public_name_is_pinned_to_its_checked_address() -> None:
    """The test transport refuses the public address: the attempt fails without leaving the machine, and shows the
    connection was aimed at the address the guard checked, not at a second lookup."""
    guard = AddressGuard(resolver=Names(**{"hooks.example.com": ["93.184.216.34"]}))
    tried: list[str] = []

    class Recording(LoopbackOnly):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            tried.append(request.url.host)
            return await super().handle_async_request(request)

    async with httpx.AsyncClient(transport=Recording()) as client:
        answer = await HttpWebhookSender(client, guard).send("https://hooks.example.com/in", HEADERS, b"")
    assert tried == ["93.184.216.34"]
    assert answer.status is None
    assert answer.error == "could not connect (ConnectError)"


async def test_a_redirect_is_an_answer_not_a_hop() -> None:
    client, seen = mocked(307, {"location": "http://127.0.0.1:1/elsewhere"})
    async with client:
        answer = await HttpWebhookSender(client, AddressGuard(allow_private=True)).send(
            "http://127.0.0.1:9/in", HEADERS, b""
        )
    assert len(seen) == 1
    assert answer.status == 307
    assert not answer.ok
    assert answer.error == "answered 307: redirects are not followed"


async def test_the_answer_read_is_capped() -> None:
    body = Body(b"x" * 4096, chunks=None)
    client, _ = mocked(body=body)
    async with client:
        answer = await HttpWebhookSender(client, AddressGuard(allow_private=True)).send(
            "http://127.0.0.1:9/in", HEADERS, b""
        )
    assert answer.ok
    assert MAX_ANSWER <= body.read < MAX_ANSWER + 4096


async def test_one_deadline_covers_a_dripping_answer() -> None:
    client, _ = mocked(body=Body(b"x", pause=0.05, chunks=None))
    started = time.monotonic()
    async with client:
        answer = await HttpWebhookSender(client, AddressGuard(allow_private=True), timeout=0.4).send(
            "http://127.0.0.1:9/in", HEADERS, b""
        )
    assert time.monotonic() - started < 2
    assert (answer.status, answer.error) == (None, "no answer within 0.4 s")


async def test_a_url_with_non_ascii_characters_is_delivered(receiver: FakeReceiver) -> None:
    receiver.reset()
    guard = AddressGuard(allow_private=True)
    async with loopback_client() as client:
        answer = await HttpWebhookSender(client, guard).send(f"{receiver.base_url}/café?tea=thé", HEADERS, b"{}")
    assert (answer.status, answer.error) == (200, None)
    (request,) = receiver.received
    assert request.path == "/café"


async def test_the_configured_timeout_applies_not_the_clients_default(receiver: FakeReceiver) -> None:
    """The shared client keeps httpx's per-step default (5 s); here it is 0.2 s, and a receiver answering after
    0.6 s is still heard within the sender's own 3 s."""
    receiver.reset()
    receiver.answer(204, delay=0.6)
    async with loopback_client(timeout=0.2) as client:
        sender = HttpWebhookSender(client, AddressGuard(allow_private=True), timeout=3)
        answer = await sender.send(f"{receiver.base_url}/in", HEADERS, b"{}")
    assert (answer.status, answer.error) == (204, None)


async def test_a_slow_name_server_counts_against_the_deadline() -> None:
    async def slow(_host: str, _port: int) -> list[str]:
        await asyncio.sleep(5)
        return ["127.0.0.1"]

    client, seen = mocked()
    started = time.monotonic()
    async with client:
        answer = await HttpWebhookSender(client, AddressGuard(resolver=slow), timeout=0.3).send(
            "https://hooks.example.com/in", HEADERS, b""
        )
    assert time.monotonic() - started < 2
    assert (answer.status, answer.error, seen) == (None, "no answer within 0.3 s", [])


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("120", 120, 120),
        ("an hour from now", 3590, 3601),
        ("yesterday", None, None),
        ("-5", None, None),
    ],
)
async def test_retry_after_in_seconds_or_as_a_date(value: str, low: float | None, high: float | None) -> None:
    if value == "an hour from now":  # as an HTTP date, made when the test runs
        value = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    client, _ = mocked(503, {"retry-after": value})
    async with client:
        answer = await HttpWebhookSender(client, AddressGuard(allow_private=True)).send(
            "http://127.0.0.1:9/in", HEADERS, b""
        )
    if low is None:
        assert answer.retry_after is None
    else:
        assert answer.retry_after is not None
        assert low <= answer.retry_after <= (high or low)
