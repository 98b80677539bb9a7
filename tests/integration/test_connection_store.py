"""Storing connections on a real database: two consents completing at once for one user and provider."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from dishka import AsyncContainer

from assistme.config import Settings
from assistme.core.identity.entities import NewUser
from assistme.core.identity.ports import UserRepository
from assistme.core.integrations.entities import Connection, ConnectionStatus
from assistme.core.integrations.ports import ConnectionRepository
from assistme.core.shared.uow import UnitOfWork
from assistme.ioc import make_container

pytestmark = pytest.mark.usefixtures("app")  # its cleanup empties the tables


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[AsyncContainer]:
    root = make_container(settings)
    yield root
    await root.close()


def connection(user_id: uuid.UUID, sealed: str) -> Connection:
    now = datetime.now(UTC)
    return Connection(uuid.uuid4(), user_id, "gmail", ConnectionStatus.ACTIVE, ("s",), sealed, None, now)


async def test_two_callbacks_replacing_one_connection_at_once_leave_the_later_one(container: AsyncContainer) -> None:
    async with container() as scope:
        user = await (await scope.get(UserRepository)).add(NewUser(f"{uuid.uuid4().hex}@example.com", None))
        await (await scope.get(UnitOfWork)).commit()
    first, second = connection(user.id, "first"), connection(user.id, "second")
    async with container() as one, container() as two:
        await (await one.get(ConnectionRepository)).replace(first)  # not committed yet: its row is locked
        waiting = asyncio.create_task((await two.get(ConnectionRepository)).replace(second))
        await asyncio.sleep(0.3)  # the second now waits on the first's uncommitted row
        await (await one.get(UnitOfWork)).commit()
        await waiting  # on PostgreSQL a delete-then-insert raised IntegrityError here (SQLite serialises writers)
        await (await two.get(UnitOfWork)).commit()
    async with container() as scope:
        [stored] = await (await scope.get(ConnectionRepository)).of_owner(user.id)
    assert (stored.id, stored.sealed) == (second.id, "second")
