"""The rule that keeps an installation administrable."""

from __future__ import annotations

from assistme.core.identity.entities import User
from assistme.core.identity.ports import UserRepository
from assistme.core.shared.errors import Conflict


async def keep_an_admin(users: UserRepository, user: User, action: str) -> None:
    """Refuse to demote, deactivate or delete the last active admin: nobody could manage users after."""
    if user.is_admin and user.is_active and await users.count_active_admins() <= 1:
        raise Conflict(f"the last active admin cannot be {action}")
