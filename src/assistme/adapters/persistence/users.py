"""UserRepository over advanced-alchemy; rows stay in this module."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.errors import conflicts
from assistme.adapters.persistence.models import UserRow
from assistme.core.identity.entities import Location, NewUser, Role, User
from assistme.core.shared.pagination import Page, PageRequest

_UNIQUE = {
    "email": "an account with this email exists",
    "telegram_id": "an account with this telegram id exists",
    "google_id": "an account is linked to this Google account",
}


class _UserRows(SQLAlchemyAsyncRepository[UserRow]):
    model_type = UserRow


def _to_entity(row: UserRow) -> User:
    location = None
    if row.location_lat is not None and row.location_lon is not None:
        location = Location(row.location_lat, row.location_lon, row.location_name)
    return User(
        id=row.id,
        email=row.email,
        full_name=row.full_name,
        role=Role(row.role),
        is_active=row.is_active,
        timezone=row.timezone,
        created_at=row.created_at,
        updated_at=row.updated_at,
        password_hash=row.password_hash,
        location=location,
        telegram_id=row.telegram_id,
        username=row.username,
        telegram_chat_id=row.telegram_chat_id,
        google_id=row.google_id,
    )


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _UserRows(session=session, auto_expunge=False, auto_refresh=False)

    async def get(self, user_id: UUID) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return None if row is None else _to_entity(row)

    async def by_email(self, email: str) -> User | None:
        row = await self._rows.get_one_or_none(email=email)
        return None if row is None else _to_entity(row)

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        row = await self._rows.get_one_or_none(telegram_id=telegram_id)
        return None if row is None else _to_entity(row)

    async def by_google_id(self, google_id: str) -> User | None:
        row = await self._rows.get_one_or_none(google_id=google_id)
        return None if row is None else _to_entity(row)

    async def add(self, new: NewUser) -> User:
        row = UserRow(
            email=new.email,
            password_hash=new.password_hash,
            full_name=new.full_name,
            role=new.role.value,
            is_active=True,
            timezone=new.timezone,
            telegram_id=new.telegram_id,
            username=new.username,
            google_id=new.google_id,
        )
        async with conflicts(self._session, _UNIQUE):
            self._session.add(row)
        return _to_entity(row)

    async def save(self, user: User) -> User:
        row = await self._session.get_one(UserRow, user.id)
        async with conflicts(self._session, _UNIQUE):
            row.email = user.email
            row.full_name = user.full_name
            row.password_hash = user.password_hash
            row.role = user.role.value
            row.is_active = user.is_active
            row.timezone = user.timezone
            row.location_lat = user.location.lat if user.location else None
            row.location_lon = user.location.lon if user.location else None
            row.location_name = user.location.name if user.location else None
            row.telegram_id = user.telegram_id
            row.username = user.username
            row.telegram_chat_id = user.telegram_chat_id
            row.google_id = user.google_id
        return _to_entity(row)

    async def delete(self, user_id: UUID) -> None:
        await self._rows.delete(user_id)

    async def search(self, query: str | None, page: PageRequest) -> Page[User]:
        filters = []
        if query:
            pattern = f"%{query.lower()}%"
            filters.append(or_(func.lower(UserRow.email).like(pattern), func.lower(UserRow.full_name).like(pattern)))
        rows, total = await self._rows.get_many_and_count(
            *filters, LimitOffset(page.limit, page.offset), OrderBy("created_at", "asc")
        )
        return Page([_to_entity(r) for r in rows], total, page.limit, page.offset)

    async def count_active_admins(self) -> int:
        stmt = select(func.count()).select_from(UserRow).where(UserRow.role == Role.ADMIN.value, UserRow.is_active)
        return int(await self._session.scalar(stmt) or 0)
