"""What a person does to a webhook while something else changes it: a PATCH and a rotation write only what they
change, so a worker's disabling made meanwhile stands and two rotations keep both new secrets; and emitting an
event opens no secret, so a key removed too early breaks webhooks, not the features that emit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest
from cryptography.fernet import Fernet
from dishka import Provider, Scope
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assistme.adapters.persistence.webhooks import SqlEndpointRepository
from assistme.config import Settings
from assistme.core.integrations.ports import Keyring
from assistme.core.webhooks.entities import Endpoint
from assistme.core.webhooks.ports import EndpointRepository
from assistme.core.webhooks.signing import new_secret
from tests.support.accounts import signup
from tests.support.fake_receiver import FakeReceiver
from tests.support.webhook_world import HOOKS, World, open_world, verified

pytestmark = pytest.mark.usefixtures("app")

Step = Callable[[SqlEndpointRepository], Awaitable[Any]]


class Interrupted:
    """The app's endpoint repository, with ``steps`` run right after a use case reads an endpoint, each in a
    transaction of its own: what another request or a worker does between that read and the use case's write."""

    def __init__(
        self, inner: SqlEndpointRepository, maker: async_sessionmaker[AsyncSession], keyring: Keyring, steps: list[Step]
    ) -> None:
        self._inner, self._maker, self._keyring, self._steps = inner, maker, keyring, steps

    async def get(self, endpoint_id: UUID) -> Endpoint | None:
        found = await self._inner.get(endpoint_id)
        while self._steps:
            async with self._maker() as session:
                await self._steps.pop(0)(SqlEndpointRepository(session, self._keyring))
                await session.commit()
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def interrupted(steps: list[Step]) -> Provider:
    def endpoints(
        session: AsyncSession, maker: async_sessionmaker[AsyncSession], keyring: Keyring
    ) -> EndpointRepository:
        return Interrupted(SqlEndpointRepository(session, keyring), maker, keyring, steps)  # type: ignore[return-value]

    provider = Provider(scope=Scope.REQUEST)
    provider.provide(endpoints)
    return provider


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def steps() -> list[Step]:
    return []


@pytest.fixture
async def world(settings: Settings, receiver: FakeReceiver, steps: list[Step]) -> AsyncIterator[World]:
    async for opened in open_world(settings, receiver, allow_private=True, app=[interrupted(steps)]):
        yield opened


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "", {"description": "ops", "is_active": True}),  # a client sending back the whole form
        ("POST", "/rotate-secret", None),
    ],
)
async def test_an_edit_made_while_a_worker_disables_the_webhook_leaves_it_disabled(
    world: World, steps: list[Step], method: str, path: str, body: dict[str, Any] | None
) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    # a worker judges a 410 between the edit's read and its write
    steps.append(lambda endpoints: endpoints.disable(UUID(hook["id"]), "the receiver answered 410 Gone", now()))
    edited = await world.client.request(method, f"{HOOKS}/{hook['id']}{path}", json=body, headers=ann.headers)
    assert edited.status_code == 200, edited.text
    shown = await world.shown(ann, hook)
    assert shown["is_active"] is False
    assert "410" in shown["disabled_reason"]
    assert shown["description"] == (body or {}).get("description")


async def test_two_rotations_at_once_keep_both_new_secrets_signing(world: World, steps: list[Step]) -> None:
    ann = await signup(world.client)
    hook = await world.hook(ann)
    elsewhere = new_secret()  # another rotation's, landing between this one's read and its write
    steps.append(lambda endpoints: endpoints.rotate(UUID(hook["id"]), elsewhere, now() + timedelta(days=1), now()))
    rotated = await world.client.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=ann.headers)
    assert rotated.status_code == 200, rotated.text
    await world.test(ann, hook)
    assert await world.deliver() == ["succeeded"]
    (request,) = world.receiver.received
    for secret in (rotated.json()["secret"], elsewhere):  # each was shown to whoever rotated
        assert verified(secret, request)["type"] == "webhook.test"


async def test_an_event_is_recorded_when_no_key_opens_the_webhooks_secrets(
    settings: Settings, receiver: FakeReceiver
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    async for world in open_world(
        msgspec.structs.replace(settings, encryption_keys=[old]), receiver, allow_private=True
    ):
        ann = await signup(world.client)
        hook = await world.hook(ann, "reminder.fired")
    too_early = msgspec.structs.replace(settings, encryption_keys=[new])  # the old key removed before resealing
    async for world in open_world(too_early, receiver, allow_private=True):
        job = {"name": "stand up", "type": "notification", "cron_expression": "0 9 * * *", "payload": {"message": "go"}}
        created = (await world.client.post("/api/v1/cron-jobs", json=job, headers=ann.headers)).json()
        await world.client.post(f"/api/v1/cron-jobs/{created['id']}/run", headers=ann.headers)
        assert await world.hands.work() == ["succeeded"]
    restored = msgspec.structs.replace(settings, encryption_keys=[new, old])
    async for world in open_world(restored, receiver, allow_private=True):
        assert [d["event_type"] for d in await world.deliveries(ann, hook)] == ["reminder.fired"]
