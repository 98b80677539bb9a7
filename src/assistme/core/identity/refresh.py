"""Trading a refresh token for a new pair (rotation with reuse detection, RFC 9700)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from assistme.core.identity.entities import TokenPair
from assistme.core.identity.minting import TokenMinter
from assistme.core.identity.policy import IdentityPolicy
from assistme.core.identity.ports import RefreshTokenRepository, SecretDigest, SessionRepository, UserRepository
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Unauthenticated
from assistme.core.shared.uow import UnitOfWork

INVALID = "invalid or expired refresh token"


@dataclass(slots=True)
class RefreshSession:
    """Spend a refresh token and answer a new pair for the same session.

    Spending is one atomic update, so of many concurrent uses exactly one wins. A spent token
    shown again within the grace period (tabs racing) is refused and revokes nothing; shown
    later, it is taken as stolen and its whole session is revoked.
    """

    users: UserRepository
    sessions: SessionRepository
    refresh_tokens: RefreshTokenRepository
    digest: SecretDigest
    minter: TokenMinter
    revoker: SessionRevoker
    uow: UnitOfWork
    clock: Clock
    policy: IdentityPolicy

    async def __call__(self, refresh_token: str) -> TokenPair:
        now = self.clock.now()
        digest = self.digest.digest(refresh_token)
        session_id = await self.refresh_tokens.consume(digest, now)
        if session_id is None:
            await self.uow.rollback()
            spent = await self.refresh_tokens.find(digest)
            grace = timedelta(seconds=self.policy.refresh_reuse_grace)
            if spent is not None and spent.spent_at is not None and now - spent.spent_at > grace:
                await self.revoker.revoke_now([spent.session_id])
            raise Unauthenticated(INVALID)

        session = await self.sessions.get(session_id)
        user = None if session is None else await self.users.get(session.user_id)
        if session is None or user is None or not user.is_active or session.revoked_at or session.expires_at <= now:
            await self.uow.rollback()
            raise Unauthenticated(INVALID)
        await self.sessions.touch(session.id, now, now + timedelta(seconds=self.policy.refresh_token_ttl))
        pair = await self.minter.pair(user, session, now)
        await self.uow.commit()
        return pair
