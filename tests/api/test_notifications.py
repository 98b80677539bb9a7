"""The inbox, the Telegram link with proof of ownership, and delivery to a fake Telegram Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import Account, key_headers, make_key, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.fake_telegram import FakeTelegram
from tests.support.scheduling import Hands, Offline, RecordingQueue, hands

Client = AsyncTestClient[Litestar]
INBOX = "/api/v1/notifications"
CHAT = 987654321

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class World:
    client: Client
    hands: Hands
    clock: MovableClock
    telegram: FakeTelegram
    bot: dict[str, str]  # headers of the bot's API key


@pytest.fixture
async def world(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[World]:
    telegram.reset()
    with_bot = msgspec.structs.replace(
        settings, telegram_bot_token=telegram.token, telegram_api_base=telegram.base_url, telegram_timeout=2.0
    )
    clock, queue = MovableClock(), RecordingQueue()
    async with (
        running(with_bot, clock_provider(clock), Offline(queue)) as client,
        hands(with_bot, clock, queue) as h,
    ):
        root = await signup(client, role=Role.ADMIN)
        bot = key_headers(await make_key(client, root, "users:write"))
        yield World(client, h, clock, telegram, bot)


async def notify(world: World, owner: Account, message: str = "stretch") -> str:
    """A job run now, as a worker would run it; answers the run id."""
    body = {"name": "stand up", "type": "notification", "payload": {"message": message}, "cron_expression": "0 9 * * *"}
    job = (await world.client.post("/api/v1/cron-jobs", json=body, headers=owner.headers)).json()
    run = (await world.client.post(f"/api/v1/cron-jobs/{job['id']}/run", headers=owner.headers)).json()
    await world.hands.work()
    return str(run["id"])


async def link(world: World, owner: Account, chat_id: int = CHAT) -> None:
    issued = await world.client.post("/api/v1/users/me/telegram-link", headers=owner.headers)
    assert issued.status_code == 200
    body = {"code": issued.json()["code"], "chat_id": chat_id, "telegram_id": chat_id}
    assert (await world.client.post("/api/v1/telegram/link", json=body, headers=world.bot)).status_code == 204


async def run_of(world: World, owner: Account, run_id: str) -> dict[str, object]:
    jobs = (await world.client.get("/api/v1/cron-jobs", headers=owner.headers)).json()["items"]
    for job in jobs:
        for run in (await world.client.get(f"/api/v1/cron-jobs/{job['id']}/runs", headers=owner.headers)).json()[
            "items"
        ]:
            if run["id"] == run_id:
                return dict(run)
    raise AssertionError(f"no run {run_id}")


async def test_the_inbox_counts_unread_entries_and_marks_them_read(world: World) -> None:
    owner, stranger = await signup(world.client), await signup(world.client)
    for word in ("one", "two", "three"):
        await notify(world, owner, word)
    inbox = (await world.client.get(INBOX, headers=owner.headers)).json()
    assert [n["body"] for n in inbox["items"]] == ["three", "two", "one"]  # newest first
    assert (inbox["total"], inbox["unread_count"]) == (3, 3)
    first = inbox["items"][0]["id"]

    assert (await world.client.post(f"{INBOX}/{first}/read", headers=stranger.headers)).status_code == 404
    assert (await world.client.delete(f"{INBOX}/{first}", headers=stranger.headers)).status_code == 404
    assert (await world.client.post(f"{INBOX}/{first}/read", headers=owner.headers)).status_code == 204
    unread = (await world.client.get(INBOX, params={"unread": "true"}, headers=owner.headers)).json()
    assert ([n["body"] for n in unread["items"]], unread["unread_count"]) == (["two", "one"], 2)
    read = (await world.client.get(INBOX, headers=owner.headers)).json()["items"][0]
    assert read["is_read"] is True
    assert datetime.fromisoformat(read["read_at"].replace("Z", "+00:00"))

    assert (await world.client.post(f"{INBOX}/read-all", headers=owner.headers)).status_code == 204
    assert (await world.client.get(INBOX, headers=owner.headers)).json()["unread_count"] == 0
    assert (await world.client.delete(f"{INBOX}/{first}", headers=owner.headers)).status_code == 204
    assert (await world.client.get(INBOX, headers=owner.headers)).json()["total"] == 2
    assert (await world.client.get(INBOX, headers=stranger.headers)).json()["total"] == 0
    assert (await world.client.get(INBOX, params={"limit": 101}, headers=owner.headers)).status_code == 422


async def test_without_a_linked_chat_a_notification_lands_in_the_inbox_only(world: World) -> None:
    owner = await signup(world.client)
    run_id = await notify(world, owner)
    run = await run_of(world, owner, run_id)
    assert (run["status"], run["delivery"]) == ("succeeded", None)
    assert world.telegram.messages == []


async def test_a_chat_is_linked_only_by_the_bot_presenting_a_fresh_code(world: World) -> None:
    owner = await signup(world.client)
    issued = (await world.client.post("/api/v1/users/me/telegram-link", headers=owner.headers)).json()
    assert len(issued["code"]) >= 8
    body = {"code": issued["code"].lower(), "chat_id": CHAT, "telegram_id": 42}
    # The person cannot link a chat themselves, nor can a key without users:write.
    assert (await world.client.post("/api/v1/telegram/link", json=body, headers=owner.headers)).status_code == 403
    wrong = await world.client.post("/api/v1/telegram/link", json=body | {"code": "NOTACODE22"}, headers=world.bot)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "code"
    assert (await world.client.post("/api/v1/telegram/link", json=body, headers=world.bot)).status_code == 204
    me = (await world.client.get("/api/v1/users/me", headers=owner.headers)).json()
    assert (me["telegram_chat_id"], me["telegram_id"]) == (CHAT, 42)
    again = await world.client.post("/api/v1/telegram/link", json=body, headers=world.bot)
    assert again.status_code == 422  # single use

    # A telegram id that belongs to someone else refuses the link and keeps their code usable.
    other = await signup(world.client)
    code = (await world.client.post("/api/v1/users/me/telegram-link", headers=other.headers)).json()["code"]
    taken = await world.client.post("/api/v1/telegram/link", json=body | {"code": code}, headers=world.bot)
    assert taken.status_code == 409
    fine = body | {"code": code, "telegram_id": 43}
    assert (await world.client.post("/api/v1/telegram/link", json=fine, headers=world.bot)).status_code == 204


async def test_a_link_code_expires_after_ten_minutes_and_a_new_one_voids_the_old(world: World) -> None:
    owner = await signup(world.client)
    old = (await world.client.post("/api/v1/users/me/telegram-link", headers=owner.headers)).json()["code"]
    new = (await world.client.post("/api/v1/users/me/telegram-link", headers=owner.headers)).json()
    body = {"chat_id": CHAT, "telegram_id": 7}
    assert (
        await world.client.post("/api/v1/telegram/link", json=body | {"code": old}, headers=world.bot)
    ).status_code == 422
    world.clock.advance(601)
    late = await world.client.post("/api/v1/telegram/link", json=body | {"code": new["code"]}, headers=world.bot)
    assert late.status_code == 422


async def test_a_linked_chat_receives_the_notification(world: World) -> None:
    owner = await signup(world.client)
    await link(world, owner)
    run_id = await notify(world, owner, "drink water")
    assert [(m.chat_id, m.text) for m in world.telegram.messages] == [(CHAT, "stand up\n\ndrink water")]
    run = await run_of(world, owner, run_id)
    assert (run["status"], run["delivery"], run["delivery_attempts"], run["error"]) == ("succeeded", "sent", 1, None)

    assert (await world.client.delete("/api/v1/users/me/telegram-link", headers=owner.headers)).status_code == 204
    await notify(world, owner)
    assert len(world.telegram.messages) == 1


async def test_a_failed_delivery_is_recorded_and_retried_with_backoff_and_the_inbox_keeps_it(world: World) -> None:
    owner = await signup(world.client)
    await link(world, owner)
    world.telegram.fail_next(2, 502, "Bad Gateway")
    run_id = await notify(world, owner)
    run = await run_of(world, owner, run_id)
    assert (run["status"], run["delivery"], run["delivery_attempts"]) == ("succeeded", "pending", 1)
    assert "502" in str(run["error"])
    assert (await world.client.get(INBOX, headers=owner.headers)).json()["total"] == 1

    assert await world.hands.sweep() == (0, 0)  # the first retry waits ten seconds
    world.clock.advance(11)
    assert await world.hands.sweep() == (0, 1)
    await world.hands.work()
    run = await run_of(world, owner, run_id)
    assert (run["delivery"], run["delivery_attempts"]) == ("pending", 2)  # the second wait is a minute
    world.clock.advance(61)
    assert await world.hands.sweep() == (0, 1)
    await world.hands.work()
    run = await run_of(world, owner, run_id)
    assert (run["delivery"], run["delivery_attempts"], run["error"]) == ("sent", 3, None)
    assert len(world.telegram.messages) == 1


async def test_telegram_refusing_for_good_stops_the_retries(world: World) -> None:
    owner = await signup(world.client)
    await link(world, owner)
    world.telegram.fail_next(1, 403, "Forbidden: bot was blocked by the user")
    run_id = await notify(world, owner)
    run = await run_of(world, owner, run_id)
    assert (run["delivery"], run["next_delivery_at"]) == ("failed", None)
    assert "bot was blocked" in str(run["error"])
    world.clock.advance(3600)
    assert await world.hands.sweep() == (0, 0)


async def test_telegrams_retry_after_is_honoured(world: World) -> None:
    owner = await signup(world.client)
    await link(world, owner)
    world.telegram.fail_next(1, 429, "Too Many Requests: retry after 120", retry_after=120)
    run_id = await notify(world, owner)
    run = await run_of(world, owner, run_id)
    waited = datetime.fromisoformat(str(run["next_delivery_at"]).replace("Z", "+00:00")) - world.clock.now()
    assert 110 < waited.total_seconds() <= 120
