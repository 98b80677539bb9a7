"""A webhook's secret: sealed at rest, in no log line, in no answer but creation's and rotation's; and the list
limits every list has."""

from __future__ import annotations

import logging

import msgspec
import pytest
from cryptography.fernet import Fernet
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from assistme.adapters.persistence.engine import make_engine
from assistme.config import Settings
from assistme.core.webhooks.keys import ResealWebhookSecrets
from assistme.ioc import make_container
from tests.support.accounts import signup
from tests.support.apps import running

HOOKS = "/api/v1/webhooks"

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
async def client(settings: Settings) -> AsyncTestClient[Litestar]:
    # private addresses allowed, as in development: the receiver never has to exist, nothing is sent here
    async with running(msgspec.structs.replace(settings, webhooks_allow_private=True, log_requests=True)) as c:
        yield c


async def test_the_secret_is_sealed_at_rest_and_never_logged(
    client: AsyncTestClient[Litestar], settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ann = await signup(client)
    created = await client.post(
        HOOKS, json={"url": "http://127.0.0.1:9/in", "events": ["webhook.test"]}, headers=ann.headers
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    rotated = (await client.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=ann.headers)).json()
    for path in ("", f"/{hook['id']}", f"/{hook['id']}/deliveries"):
        answer = await client.get(f"{HOOKS}{path}", headers=ann.headers)
        assert answer.status_code == 200
        assert "whsec_" not in answer.text
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT * FROM webhook_endpoints"))).mappings().all()
    finally:
        await engine.dispose()
    stored = " ".join(str(value) for row in rows for value in row.values())
    for secret in (hook["secret"], rotated["secret"]):
        body = secret.removeprefix("whsec_")
        assert body not in stored
        assert body not in caplog.text
    assert "whsec_" not in stored


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=x"])
async def test_list_limits_are_checked(client: AsyncTestClient[Litestar], query: str) -> None:
    ann = await signup(client)
    assert (await client.get(f"{HOOKS}?{query}", headers=ann.headers)).status_code == 422


async def test_the_secrets_follow_a_key_rotation(settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = msgspec.structs.replace(settings, webhooks_allow_private=True, encryption_keys=[old])
    async with running(before) as client:
        ann = await signup(client)
        body = {"url": "http://127.0.0.1:9/in", "events": ["webhook.test"]}
        hook = (await client.post(HOOKS, json=body, headers=ann.headers)).json()
    container = make_container(msgspec.structs.replace(before, encryption_keys=[new, old]))
    try:
        async with container() as scope:
            rotation = await (await scope.get(ResealWebhookSecrets))()
    finally:
        await container.close()
    assert (rotation.resealed, rotation.failed) == (1, 0)
    async with running(msgspec.structs.replace(before, encryption_keys=[new])) as client:
        answer = await client.get(f"{HOOKS}/{hook['id']}", headers=ann.headers)
    assert answer.status_code == 200, answer.text
