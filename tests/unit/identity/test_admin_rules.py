"""The rules of managing accounts: who may, what they may set, and the last admin."""

from __future__ import annotations

import uuid

import pytest

from assistme.core.identity.admin_users import CreateUser, DeleteUser, NewAccount, UpdateUser, UserChanges
from assistme.core.identity.entities import ClientInfo, Role, Scope
from assistme.core.identity.principal import Principal
from assistme.core.identity.roles import AssignRole
from assistme.core.shared.errors import Conflict, InvalidInput, PermissionDenied
from tests.unit.identity.fakes import World


def admin_of(user_id: uuid.UUID) -> Principal:
    return Principal(user_id, Role.ADMIN)


async def test_only_admins_choose_a_role_even_for_writing_keys() -> None:
    world = World()
    key = Principal(None, api_key_id=uuid.uuid4(), scopes=frozenset({Scope.USERS_WRITE}))
    create = CreateUser(world.users, world.hasher, world.uow)
    with pytest.raises(PermissionDenied):
        await create(key, NewAccount(telegram_id=5, role=Role.ADMIN))
    bot_user = await create(key, NewAccount(telegram_id=5))
    assert (bot_user.role, bot_user.password_hash, bot_user.email) == (Role.USER, None, None)


async def test_an_account_needs_an_email_or_a_telegram_id_and_a_password_needs_an_email() -> None:
    world = World()
    root = await world.person("root@example.com", role=Role.ADMIN)
    create = CreateUser(world.users, world.hasher, world.uow)
    with pytest.raises(InvalidInput):
        await create(admin_of(root.id), NewAccount(full_name="nobody"))
    with pytest.raises(InvalidInput):
        await create(admin_of(root.id), NewAccount(telegram_id=1, password="a long passphrase"))


async def test_the_last_active_admin_keeps_the_role_the_account_and_its_activity() -> None:
    world = World()
    root = await world.person("root@example.com", role=Role.ADMIN)
    update = UpdateUser(world.users, world.revoker, world.uow)
    for changes in (UserChanges(role=Role.USER), UserChanges(is_active=False)):
        with pytest.raises(Conflict):
            await update(admin_of(root.id), root.id, changes)
    with pytest.raises(Conflict):
        await DeleteUser(world.users, world.revoker, world.uow)(admin_of(root.id), root.id)
    with pytest.raises(Conflict):
        await AssignRole(world.users, world.revoker)("root@example.com", Role.USER)
    second = await world.person("second@example.com", role=Role.ADMIN)
    demoted = await update(admin_of(second.id), root.id, UserChanges(role=Role.USER))
    assert demoted.role is Role.USER


async def test_role_change_and_deactivation_revoke_sessions_but_a_rename_does_not() -> None:
    world = World()
    root = await world.person("root@example.com", role=Role.ADMIN)
    user = await world.person()
    pair = await world.minter.open_session(user, ClientInfo(), world.clock.now())
    update = UpdateUser(world.users, world.revoker, world.uow)
    await update(admin_of(root.id), user.id, UserChanges(full_name="Ada L."))
    assert world.revocations.revoked == set()
    await update(admin_of(root.id), user.id, UserChanges(is_active=False))
    assert world.revocations.revoked == {pair.session_id}
