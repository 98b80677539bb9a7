"""Webhook endpoints. Each judgement a worker makes of an endpoint is one conditional statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import Result, Update, case, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from assistme.adapters.persistence.models import WebhookEndpointRow
from assistme.core.integrations.entities import Tokens
from assistme.core.integrations.ports import Keyring
from assistme.core.shared.errors import Conflict
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.webhooks.entities import Endpoint, EndpointChanges, EndpointRef, EndpointSpec

_ROTATION_TRIES = 3  # a rotation racing another re-reads the secret it replaces; this many tries, then 409


class _EndpointRows(SQLAlchemyAsyncRepository[WebhookEndpointRow]):
    model_type = WebhookEndpointRow


def _binding(endpoint_id: UUID, owner_id: UUID) -> str:
    return f"webhook:{endpoint_id}:{owner_id}"


class SqlEndpointRepository:
    """Secrets are sealed by the keyring (the current one and the one still signing beside it, as one pair bound to
    the row), so a copy of the database alone cannot sign a delivery."""

    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring
        self._rows = _EndpointRows(session=session, auto_expunge=False, auto_refresh=False)

    def _seal(self, endpoint_id: UUID, owner_id: UUID, secret: str, previous: str | None) -> str:
        # The keyring seals a pair of secrets; here the pair is (current secret, rotated-out secret).
        return self._keyring.seal(Tokens(secret, previous), _binding(endpoint_id, owner_id))

    def _endpoint(self, row: WebhookEndpointRow) -> Endpoint:
        secrets = self._keyring.open(row.sealed_secrets, _binding(row.id, row.owner_id))
        return Endpoint(
            id=row.id,
            owner_id=row.owner_id,
            url=row.url,
            events=list(row.events),
            description=row.description,
            is_active=row.is_active,
            secret=secrets.access_token,
            created_at=row.created_at,
            updated_at=row.updated_at,
            previous_secret=secrets.refresh_token,
            previous_expires_at=row.previous_expires_at,
            failing_since=row.failing_since,
            disabled_reason=row.disabled_reason,
        )

    async def add(self, owner_id: UUID, spec: EndpointSpec, secret: str, now: datetime) -> Endpoint:
        endpoint_id = uuid7()
        row = WebhookEndpointRow(
            id=endpoint_id,
            owner_id=owner_id,
            url=spec.url,
            events=spec.events,
            description=spec.description,
            is_active=spec.is_active,
            sealed_secrets=self._seal(endpoint_id, owner_id, secret, None),
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return self._endpoint(row)

    async def get(self, endpoint_id: UUID) -> Endpoint | None:
        row = await self._session.get(WebhookEndpointRow, endpoint_id, populate_existing=True)
        return None if row is None else self._endpoint(row)

    async def update(self, endpoint_id: UUID, changes: EndpointChanges, now: datetime) -> Endpoint | None:
        values: dict[str, Any] = {
            name: value
            for name in ("url", "events", "description", "is_active")
            if (value := getattr(changes, name)) is not None
        }
        if changes.is_active:
            values |= {"failing_since": None, "last_failure_at": None, "disabled_reason": None}
        stmt = _endpoint_update(endpoint_id).values(**values, updated_at=now)
        return await self.get(endpoint_id) if changed(await self._session.execute(stmt)) == 1 else None

    async def rotate(self, endpoint_id: UUID, secret: str, overlap_until: datetime, now: datetime) -> Endpoint | None:
        # Compare-and-set on the sealed pair: a rotation that lost a race reads the winner's secret and keeps it
        # signing beside its own, instead of overwriting it.
        for _ in range(_ROTATION_TRIES):
            row = await self._session.get(WebhookEndpointRow, endpoint_id, populate_existing=True)
            if row is None:
                return None
            seen = row.sealed_secrets
            current = self._keyring.open(seen, _binding(row.id, row.owner_id)).access_token
            stmt = (
                _endpoint_update(endpoint_id)
                .where(WebhookEndpointRow.sealed_secrets == seen)
                .values(
                    sealed_secrets=self._seal(row.id, row.owner_id, secret, current),
                    previous_expires_at=overlap_until,
                    updated_at=now,
                )
            )
            if changed(await self._session.execute(stmt)) == 1:
                return await self.get(endpoint_id)
        raise Conflict("the secret was being rotated at the same time: try again")

    async def delete(self, endpoint_id: UUID) -> None:
        await self._rows.delete(endpoint_id)

    async def count(self, owner_id: UUID) -> int:
        stmt = select(func.count()).select_from(WebhookEndpointRow).where(WebhookEndpointRow.owner_id == owner_id)
        return int(await self._session.scalar(stmt) or 0)

    async def page(self, owner_id: UUID, page: PageRequest) -> Page[Endpoint]:
        rows, total = await self._rows.get_many_and_count(
            WebhookEndpointRow.owner_id == owner_id, LimitOffset(page.limit, page.offset), OrderBy("id", "asc")
        )
        return Page([self._endpoint(r) for r in rows], total, page.limit, page.offset)

    async def subscribed(self, owner_id: UUID, event_type: str) -> list[EndpointRef]:
        # A person has a few endpoints: filtering their events here works the same on both databases.
        row = WebhookEndpointRow
        stmt = select(row.id, row.owner_id, row.events).where(row.owner_id == owner_id, row.is_active)
        return [EndpointRef(i, o) for i, o, events in (await self._session.execute(stmt)).all() if event_type in events]

    async def note_failure(self, endpoint_id: UUID, now: datetime, idle_before: datetime) -> datetime | None:
        row, at = WebhookEndpointRow, literal(now, WebhookEndpointRow.failing_since.type)
        over = or_(row.failing_since.is_(None), row.last_failure_at.is_(None), row.last_failure_at < idle_before)
        stmt = (
            _active(endpoint_id)
            .values(
                failing_since=case((over, at), else_=row.failing_since),
                last_failure_at=case(
                    (or_(row.last_failure_at.is_(None), row.last_failure_at < at), at), else_=row.last_failure_at
                ),
            )
            .returning(row.failing_since)
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def note_success(self, endpoint_id: UUID) -> None:
        stmt = _active(endpoint_id).where(WebhookEndpointRow.failing_since.is_not(None)).values(failing_since=None)
        await self._session.execute(stmt)

    async def disable(self, endpoint_id: UUID, reason: str, now: datetime) -> bool:
        stmt = _active(endpoint_id).values(is_active=False, disabled_reason=reason[:500], updated_at=now)
        return changed(await self._session.execute(stmt)) == 1

    async def reseal(self, after: UUID | None, limit: int) -> tuple[UUID | None, int, int]:
        stmt = select(WebhookEndpointRow).order_by(WebhookEndpointRow.id).limit(limit)
        if after is not None:
            stmt = stmt.where(WebhookEndpointRow.id > after)
        rows = list(await self._session.scalars(stmt))
        resealed = 0
        for row in rows:
            try:
                row.sealed_secrets = self._keyring.reseal(row.sealed_secrets, _binding(row.id, row.owner_id))
            except ValueError:
                continue
            resealed += 1
        await self._session.flush()
        return (rows[-1].id if rows else None), resealed, len(rows) - resealed


def _endpoint_update(endpoint_id: UUID) -> Update:
    """An UPDATE of the columns it names, and no other: what another request or a worker wrote meanwhile stands."""
    return (
        update(WebhookEndpointRow)
        .where(WebhookEndpointRow.id == endpoint_id)
        .execution_options(synchronize_session=False)
    )


def _active(endpoint_id: UUID) -> Update:
    """An UPDATE of the endpoint while it is active: each judgement of a delivery's outcome is one statement."""
    return _endpoint_update(endpoint_id).where(WebhookEndpointRow.is_active)


def changed(result: Result[Any]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
