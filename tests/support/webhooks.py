"""Watching the events a feature emits: a webhook on a public address literal that nothing here ever sends to
(the tests that do send use a receiver on 127.0.0.1), and the event types its deliveries record."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.accounts import Account

NEVER_SENT = "https://93.184.216.34/hooks"


async def subscribe(client: AsyncTestClient[Litestar], who: Account, *events: str) -> str:
    body = {"url": NEVER_SENT, "events": list(events)}
    created = await client.post("/api/v1/webhooks", json=body, headers=who.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def emitted(client: AsyncTestClient[Litestar], who: Account, hook_id: str) -> list[str]:
    """The event types recorded for the webhook, oldest first."""
    listed = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries?limit=100", headers=who.headers)
    assert listed.status_code == 200, listed.text
    return [d["event_type"] for d in reversed(listed.json()["items"])]
