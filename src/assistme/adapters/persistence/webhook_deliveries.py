"""Webhook deliveries and their attempts. Every step two workers may race on is one conditional statement."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import WebhookAttemptRow, WebhookDeliveryRow
from assistme.adapters.persistence.webhooks import changed
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.webhooks.entities import Attempt, Delivery, DeliveryStatus, EndpointRef

_PENDING = DeliveryStatus.PENDING.value
# The delivery's latest counted attempt has its row: it was made and recorded (or none was counted yet).
_RECORDED = or_(
    WebhookDeliveryRow.attempts == 0,
    exists().where(
        WebhookAttemptRow.delivery_id == WebhookDeliveryRow.id, WebhookAttemptRow.attempt == WebhookDeliveryRow.attempts
    ),
)


class _DeliveryRows(SQLAlchemyAsyncRepository[WebhookDeliveryRow]):
    model_type = WebhookDeliveryRow


def _delivery(row: WebhookDeliveryRow, history: list[Attempt] | None = None) -> Delivery:
    return Delivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        owner_id=row.owner_id,
        message_id=row.message_id,
        event_type=row.event_type,
        payload=row.payload,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        history=history or [],
    )


def _attempt(row: WebhookAttemptRow) -> Attempt:
    return Attempt(row.attempt, row.response_status, row.duration_ms, row.error, row.created_at)


class SqlDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _DeliveryRows(session=session, auto_expunge=False, auto_refresh=False)

    async def add(
        self, endpoint: EndpointRef, message_id: str, event_type: str, payload: dict[str, Any], now: datetime
    ) -> Delivery:
        row = WebhookDeliveryRow(
            endpoint_id=endpoint.id,
            owner_id=endpoint.owner_id,
            message_id=message_id,
            event_type=event_type,
            payload=payload,
            status=_PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _delivery(row)

    async def get(self, delivery_id: UUID) -> Delivery | None:
        row = await self._session.get(WebhookDeliveryRow, delivery_id)
        return None if row is None else _delivery(row)

    async def page(self, endpoint_id: UUID, page: PageRequest) -> Page[Delivery]:
        rows, total = await self._rows.get_many_and_count(
            WebhookDeliveryRow.endpoint_id == endpoint_id, LimitOffset(page.limit, page.offset), OrderBy("id", "desc")
        )
        history: dict[UUID, list[Attempt]] = defaultdict(list)
        if rows:
            attempts = select(WebhookAttemptRow).where(WebhookAttemptRow.delivery_id.in_([r.id for r in rows]))
            for attempt in (await self._session.scalars(attempts.order_by(WebhookAttemptRow.attempt))).all():
                history[attempt.delivery_id].append(_attempt(attempt))
        return Page([_delivery(r, history[r.id]) for r in rows], total, page.limit, page.offset)

    async def stalled(self, now: datetime, limit: int) -> list[Delivery]:
        stmt = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.status == _PENDING, WebhookDeliveryRow.lease_until < now, ~_RECORDED)
            .limit(limit)
        )
        return [_delivery(row) for row in (await self._session.scalars(stmt)).all()]

    async def dispatch(self, now: datetime, lease_until: datetime, limit: int) -> list[tuple[UUID, int]]:
        due = (
            WebhookDeliveryRow.status == _PENDING,
            WebhookDeliveryRow.next_attempt_at <= now,
            or_(WebhookDeliveryRow.lease_until.is_(None), WebhookDeliveryRow.lease_until < now),
            _RECORDED,  # a stalled attempt is taken back (and recorded) first, never skipped
        )
        ids = select(WebhookDeliveryRow.id).where(*due).order_by(WebhookDeliveryRow.next_attempt_at).limit(limit)
        stmt = (
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id.in_(ids), *due)
            .values(lease_until=lease_until)
            .returning(WebhookDeliveryRow.id, WebhookDeliveryRow.attempts)
            .execution_options(synchronize_session=False)
        )
        return [(row_id, attempts + 1) for row_id, attempts in (await self._session.execute(stmt)).all()]

    async def claim(self, delivery_id: UUID, attempt: int, lease_until: datetime) -> Delivery | None:
        stmt = (
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.id == delivery_id,
                WebhookDeliveryRow.status == _PENDING,
                WebhookDeliveryRow.attempts == attempt - 1,
            )
            .values(attempts=attempt, lease_until=lease_until)
            .returning(WebhookDeliveryRow)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        row = (await self._session.scalars(stmt)).one_or_none()
        return None if row is None else _delivery(row)

    async def record(self, delivery: Delivery, attempt: Attempt) -> bool:
        # Whoever records an attempt clears the lease: a late worker and the dispatcher taking its attempt back
        # cannot both record it (the unique attempt number backs this up).
        stmt = (
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.id == delivery.id,
                WebhookDeliveryRow.attempts == attempt.attempt,
                WebhookDeliveryRow.lease_until.is_not(None),
                ~_RECORDED,
            )
            .values(status=delivery.status.value, next_attempt_at=delivery.next_attempt_at, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        if changed(await self._session.execute(stmt)) != 1:
            return False
        self._session.add(
            WebhookAttemptRow(
                delivery_id=delivery.id,
                attempt=attempt.attempt,
                response_status=attempt.response_status,
                duration_ms=attempt.duration_ms,
                error=attempt.error[:500] if attempt.error else None,
                created_at=attempt.created_at,
                updated_at=attempt.created_at,
            )
        )
        await self._session.flush()
        return True

    async def abandon(self, endpoint_id: UUID, now: datetime) -> None:
        stmt = (
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.endpoint_id == endpoint_id, WebhookDeliveryRow.status == _PENDING)
            .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None, lease_until=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(stmt)
