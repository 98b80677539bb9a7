"""Consents and sign-ins under way: a row per state, spent by deleting it."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import OAuthStateRow, SignInStateRow
from assistme.core.identity.entities import PendingSignIn
from assistme.core.integrations.entities import PendingAuthorization

Row = TypeVar("Row", OAuthStateRow, SignInStateRow)


async def _take(session: AsyncSession, row_type: type[Row], digest: str, now: datetime) -> Row | None:
    # Deleting is spending: of two callbacks with one state, one statement lets only one through.
    stmt = delete(row_type).where(row_type.digest == digest).returning(row_type)
    row = (await session.execute(stmt)).scalar_one_or_none()
    await session.execute(delete(row_type).where(row_type.expires_at <= now))  # and the abandoned ones go
    return row if row is not None and row.expires_at > now else None


class SqlAuthorizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, pending: PendingAuthorization) -> None:
        self._session.add(
            OAuthStateRow(
                digest=pending.state_digest,
                user_id=pending.user_id,
                provider=pending.provider,
                verifier=pending.verifier,
                return_url=pending.return_url,
                expires_at=pending.expires_at,
            )
        )
        await self._session.flush()

    async def take(self, state_digest: str, now: datetime) -> PendingAuthorization | None:
        row = await _take(self._session, OAuthStateRow, state_digest, now)
        if row is None:
            return None
        return PendingAuthorization(row.digest, row.user_id, row.provider, row.verifier, row.return_url, row.expires_at)


class SqlSignInStates:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, pending: PendingSignIn) -> None:
        self._session.add(
            SignInStateRow(
                digest=pending.state_digest,
                browser_digest=pending.browser_digest,
                nonce=pending.nonce,
                verifier=pending.verifier,
                return_url=pending.return_url,
                expires_at=pending.expires_at,
            )
        )
        await self._session.flush()

    async def take(self, state_digest: str, now: datetime) -> PendingSignIn | None:
        row = await _take(self._session, SignInStateRow, state_digest, now)
        if row is None:
            return None
        return PendingSignIn(row.digest, row.browser_digest, row.nonce, row.verifier, row.return_url, row.expires_at)
