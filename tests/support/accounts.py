"""Helpers that sign people up and in through the API, as a client would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.identity.entities import Role
from assistme.core.identity.ports import UserRepository
from assistme.core.shared.uow import UnitOfWork
from assistme.ioc import make_container

PASSWORD = "correct horse battery"


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def signup(
    client: AsyncTestClient[Litestar], email: str | None = None, password: str = PASSWORD, role: Role = Role.USER
) -> Account:
    email = email or f"{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    if role is not Role.USER:
        await set_role(client.app, user_id, role)
    tokens = await login(client, email, password)
    return Account(user_id, email, password, tokens["access_token"], tokens["refresh_token"])


async def set_role(app: Litestar, user_id: str, role: Role) -> None:
    """Straight through the repository, as the operator's CLI makes the first admin. A container of its own:
    the app's engine belongs to the event loop the test client serves it on."""
    settings = await app.state.dishka_container.get(Settings)
    root = make_container(settings)
    async with root() as container:
        users = await container.get(UserRepository)
        user = await users.get(uuid.UUID(user_id))
        assert user is not None
        user.role = role
        await users.save(user)
        await (await container.get(UnitOfWork)).commit()
    await root.close()


async def make_key(client: AsyncTestClient[Litestar], root: Account, *scopes: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/api-keys", json={"name": "telegram bot", "scopes": list(scopes)}, headers=root.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def key_headers(key: dict[str, Any], act_as: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key['key']}"}
    if act_as:
        headers["X-Act-As-User"] = act_as
    return headers
