"""Signing in with Google: OpenID Connect with a state bound to the browser, a nonce and PKCE."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from assistme.core.identity.entities import ClientInfo, ExternalIdentity, NewUser, PendingSignIn, TokenPair, User
from assistme.core.identity.minting import TokenMinter
from assistme.core.identity.ports import (
    OpenIdProvider,
    OutwardChannels,
    SecretDigest,
    SignInStates,
    UserRepository,
)
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import BadRequest, Conflict, InvalidInput, Unauthenticated
from assistme.core.shared.returns import ReturnAllowList
from assistme.core.shared.uow import UnitOfWork

SIGN_IN_TTL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SignInStart:
    url: str
    browser_secret: str  # goes into a cookie; only its digest is stored


@dataclass(frozen=True, slots=True)
class SignedIn:
    pair: TokenPair
    return_url: str | None


@dataclass(slots=True)
class StartGoogleSignIn:
    """The consent URL, and the secret the browser must carry back in a cookie. ``return_url``, when given, must
    be on the allow-list and carry no fragment."""

    states: SignInStates
    openid: OpenIdProvider
    digest: SecretDigest
    returns: ReturnAllowList
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, return_url: str | None) -> SignInStart:
        if return_url is not None:
            self.returns.check(return_url)
            if "#" in return_url:  # the token pair is sent back in the fragment: a second one would garble it
                raise InvalidInput.field("return_url", "must not carry a fragment (#...)")
        state, browser, nonce, verifier = (self.digest.new_secret("") for _ in range(4))
        pending = PendingSignIn(
            self.digest.digest(state),
            self.digest.digest(browser),
            nonce,
            verifier,
            return_url,
            self.clock.now() + SIGN_IN_TTL,
        )
        await self.states.add(pending)
        await self.uow.commit()
        return SignInStart(self.openid.login_url(state, nonce, verifier), browser)


@dataclass(slots=True)
class CompleteGoogleSignIn:
    """Google sent the browser back. The state must be known, unexpired, unspent, and come back in the browser
    that started it. The account is found by Google's subject id; failing that, by an email Google has verified,
    unless that account is linked to another Google account already (409). Local emails are not verified, so
    linking an existing password account takes it from whoever registered the address: its password is cleared,
    its sessions revoked, and every channel that sends its data outward is severed (webhook endpoints, the
    Telegram link, integration connections and consents under way), while its assistants, conversations and jobs
    stay for an owner who registered their own address. Otherwise an account is created, with the email only when
    Google verified it. An inactive account is refused."""

    states: SignInStates
    openid: OpenIdProvider
    users: UserRepository
    digest: SecretDigest
    minter: TokenMinter
    revoker: SessionRevoker
    channels: OutwardChannels
    uow: UnitOfWork
    clock: Clock

    async def __call__(
        self, state: str | None, code: str | None, error: str | None, browser_secret: str | None, client: ClientInfo
    ) -> SignedIn:
        pending = await self.states.take(self.digest.digest(state), self.clock.now()) if state else None
        await self.uow.commit()  # spent before Google is called; no transaction held across the call
        if pending is None:
            raise BadRequest("this sign-in is unknown, expired or already used; start again")
        browser = self.digest.digest(browser_secret) if browser_secret else ""
        if not hmac.compare_digest(browser, pending.browser_digest):
            raise BadRequest("this sign-in was started in another browser; start again")
        if error or not code:
            raise Unauthenticated(f"Google sign-in did not complete: {(error or 'no code')[:64]}")
        identity = await self.openid.identify(code, pending.verifier, pending.nonce)
        user = await self._account(identity)
        if not user.is_active:
            raise Unauthenticated("this account is deactivated")
        pair = await self.minter.open_session(user, client, self.clock.now())
        await self.uow.commit()
        return SignedIn(pair, pending.return_url)

    async def _account(self, identity: ExternalIdentity) -> User:
        if (user := await self.users.by_google_id(identity.subject)) is not None:
            return user
        # An address Google has not verified proves nothing: it neither links nor is recorded.
        email = identity.email.strip().lower() if identity.email and identity.email_verified else None
        if email is not None and (user := await self.users.by_email(email)) is not None:
            if user.google_id is not None:  # another Google account (this subject was not found) holds it
                raise Conflict("the account with this email is linked to another Google account; sign in with it")
            had_password = user.password_hash is not None
            user.google_id, user.password_hash = identity.subject, None
            if had_password:
                # The bot would know the registrant's Telegram account as this one, and write to their chat.
                user.telegram_id = user.telegram_chat_id = None
                await self.channels.sever(user.id)
            user = await self.users.save(user)
            if had_password:
                await self.revoker.revoke_user(user.id)  # commits the link together with the revocation
            return user
        return await self.users.add(
            NewUser(email=email, password_hash=None, full_name=identity.name, google_id=identity.subject)
        )
