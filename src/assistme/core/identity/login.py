"""Signing in with an email and a password."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.identity.credentials import normalise_email
from assistme.core.identity.entities import ClientInfo, TokenPair
from assistme.core.identity.minting import TokenMinter
from assistme.core.identity.policy import IdentityPolicy
from assistme.core.identity.ports import PasswordHasher, Throttle, UserRepository
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import InvalidInput, RateLimited, Unauthenticated
from assistme.core.shared.uow import UnitOfWork

BAD_CREDENTIALS = "wrong email or password"


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    email: str
    password: str
    client: ClientInfo


@dataclass(slots=True)
class Login:
    """Open a session for a correct email and password.

    An unknown email, a wrong password and an inactive account give the same answer after
    the same work (a password hash is always checked). Failures are throttled per normalised
    email, whether or not the account exists, and per address.
    """

    users: UserRepository
    uow: UnitOfWork
    hasher: PasswordHasher
    minter: TokenMinter
    throttle: Throttle
    clock: Clock
    policy: IdentityPolicy

    async def __call__(self, attempt: LoginAttempt) -> TokenPair:
        try:
            email = normalise_email(attempt.email)
        except InvalidInput:
            email = attempt.email.strip().lower()
        keys = [(self.policy.login_failures_per_email, f"login:email:{email}")]
        if attempt.client.ip:
            keys.append((self.policy.login_failures_per_address, f"login:ip:{attempt.client.ip}"))
        for limit, key in keys:
            if (wait := await self.throttle.blocked(limit, key)) is not None:
                raise RateLimited("too many failed logins: try again later", wait)

        user = await self.users.by_email(email)
        valid = await self.hasher.verify(user.password_hash if user else None, attempt.password)
        if user is None or not valid or not user.is_active:
            for limit, key in keys:
                await self.throttle.hit(limit, key)
            raise Unauthenticated(BAD_CREDENTIALS)

        await self.throttle.clear(*keys[0])
        if user.password_hash is not None and self.hasher.needs_rehash(user.password_hash):
            user.password_hash = await self.hasher.hash(attempt.password)
            user = await self.users.save(user)
        pair = await self.minter.open_session(user, attempt.client, self.clock.now())
        await self.uow.commit()
        return pair
