"""Signing in with Google: the state bound to the browser, and which account a Google identity reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest

from assistme.core.identity.entities import ClientInfo, ExternalIdentity, PendingSignIn
from assistme.core.identity.google_sign_in import CompleteGoogleSignIn, SignInStart, StartGoogleSignIn
from assistme.core.shared.errors import BadRequest, Conflict, InvalidInput, Unauthenticated
from assistme.core.shared.returns import AllowedReturn, ReturnAllowList
from tests.unit.identity.fakes import World

APP = "https://app.example.com/signed-in"


@dataclass
class States:
    rows: dict[str, PendingSignIn] = field(default_factory=dict)

    async def add(self, pending: PendingSignIn) -> None:
        self.rows[pending.state_digest] = pending

    async def take(self, state_digest: str, now: datetime) -> PendingSignIn | None:
        pending = self.rows.pop(state_digest, None)
        return pending if pending is not None and pending.expires_at > now else None


@dataclass
class Google:
    """Says whoever ``identity`` is, for the nonce it was asked with."""

    identity: ExternalIdentity = field(default_factory=lambda: ExternalIdentity("g-1", "ada@example.com", True, "Ada"))
    nonces: list[str] = field(default_factory=list)

    def login_url(self, state: str, nonce: str, verifier: str) -> str:
        return f"https://accounts.example/auth?state={state}&nonce={nonce}"

    async def identify(self, code: str, verifier: str, nonce: str) -> ExternalIdentity:
        self.nonces.append(nonce)
        return self.identity


@dataclass
class Channels:
    severed: list[UUID] = field(default_factory=list)

    async def sever(self, user_id: UUID) -> None:
        self.severed.append(user_id)


@dataclass
class SignIn:
    world: World = field(default_factory=World)
    states: States = field(default_factory=States)
    google: Google = field(default_factory=Google)
    channels: Channels = field(default_factory=Channels)

    async def start(self, return_url: str | None = None) -> SignInStart:
        allowed = ReturnAllowList((AllowedReturn.parse(APP),))
        w = self.world
        return await StartGoogleSignIn(self.states, self.google, w.digest, allowed, w.uow, w.clock)(return_url)

    def complete(self) -> CompleteGoogleSignIn:
        w = self.world
        return CompleteGoogleSignIn(
            self.states, self.google, w.users, w.digest, w.minter, w.revoker, self.channels, w.uow, w.clock
        )

    async def round_trip(self, return_url: str | None = None) -> tuple[str | None, str]:
        started = await self.start(return_url)
        state = parse_qs(urlsplit(started.url).query)["state"][0]
        signed_in = await self.complete()(state, "code", None, started.browser_secret, ClientInfo())
        return signed_in.return_url, signed_in.pair.access_token


async def test_a_new_google_identity_creates_an_account_without_a_password() -> None:
    flow = SignIn()
    returned, _ = await flow.round_trip(APP)
    assert returned == APP
    [user] = flow.world.users.rows.values()
    assert (user.email, user.google_id, user.password_hash, user.full_name) == ("ada@example.com", "g-1", None, "Ada")


async def test_the_same_google_identity_reaches_the_same_account() -> None:
    flow = SignIn()
    await flow.round_trip()
    flow.google.identity = ExternalIdentity("g-1", "renamed@example.com", True)
    await flow.round_trip()
    assert len(flow.world.users.rows) == 1


async def test_a_verified_email_takes_over_a_password_account_and_ends_its_sessions() -> None:
    flow = SignIn()
    squatter = await flow.world.person(email="ada@example.com")
    session = await flow.world.minter.open_session(squatter, ClientInfo(), flow.world.clock.now())
    await flow.round_trip()
    user = flow.world.users.rows[squatter.id]
    assert user.google_id == "g-1"
    assert user.password_hash is None  # the pre-registered password no longer opens it
    assert session.session_id in flow.world.revocations.revoked
    assert len(flow.world.users.rows) == 1


async def test_a_takeover_severs_the_registrants_outward_channels() -> None:
    flow = SignIn()
    squatter = await flow.world.person(email="ada@example.com", telegram_id=4242, telegram_chat_id=4242)
    await flow.round_trip()
    user = flow.world.users.rows[squatter.id]
    assert (user.telegram_id, user.telegram_chat_id) == (None, None)
    assert flow.channels.severed == [squatter.id]


async def test_linking_a_password_less_account_by_email_keeps_its_channels() -> None:
    flow = SignIn()
    bot_made = await flow.world.person(email="ada@example.com", password_hash=None, telegram_id=4242)
    await flow.round_trip()
    assert flow.world.users.rows[bot_made.id].telegram_id == 4242
    assert flow.channels.severed == []


async def test_an_email_linked_to_another_google_account_is_not_relinked() -> None:
    flow = SignIn()
    owner = await flow.world.person(email="ada@example.com", google_id="g-0")
    with pytest.raises(Conflict):
        await flow.round_trip()
    assert flow.world.users.rows[owner.id].google_id == "g-0"
    assert len(flow.world.users.rows) == 1


async def test_an_unverified_email_neither_links_nor_is_recorded() -> None:
    flow = SignIn()
    owner = await flow.world.person(email="ada@example.com")
    flow.google.identity = ExternalIdentity("g-2", "ada@example.com", False)
    await flow.round_trip()
    assert flow.world.users.rows[owner.id].google_id is None
    [created] = [u for u in flow.world.users.rows.values() if u.id != owner.id]
    assert (created.email, created.google_id) == (None, "g-2")


async def test_a_state_is_single_use_bound_to_its_browser_and_expires() -> None:
    flow = SignIn()
    started = await flow.start()
    state = parse_qs(urlsplit(started.url).query)["state"][0]
    with pytest.raises(BadRequest, match="another browser"):
        await flow.complete()(state, "code", None, "the-attackers-cookie", ClientInfo())
    with pytest.raises(BadRequest, match="unknown, expired or already used"):
        await flow.complete()(state, "code", None, started.browser_secret, ClientInfo())  # spent by the attempt
    late = await flow.start()
    flow.world.clock.advance(timedelta(minutes=16).total_seconds())
    late_state = parse_qs(urlsplit(late.url).query)["state"][0]
    with pytest.raises(BadRequest):
        await flow.complete()(late_state, "code", None, late.browser_secret, ClientInfo())
    assert flow.world.users.rows == {}


async def test_the_nonce_sent_to_google_is_the_one_checked() -> None:
    flow = SignIn()
    started = await flow.start()
    query = parse_qs(urlsplit(started.url).query)
    await flow.complete()(query["state"][0], "code", None, started.browser_secret, ClientInfo())
    assert flow.google.nonces == query["nonce"]


async def test_a_refused_consent_or_a_deactivated_account_signs_nobody_in() -> None:
    flow = SignIn()
    started = await flow.start()
    state = parse_qs(urlsplit(started.url).query)["state"][0]
    with pytest.raises(Unauthenticated):
        await flow.complete()(state, None, "access_denied", started.browser_secret, ClientInfo())
    await flow.world.person(email="ada@example.com", password="x" * 12, google_id="g-1", is_active=False)
    with pytest.raises(Unauthenticated):
        await flow.round_trip()
    assert flow.world.sessions.rows == {}


async def test_a_return_url_off_the_allow_list_is_refused() -> None:
    with pytest.raises(InvalidInput):
        await SignIn().start("https://evil.example/")


async def test_a_return_url_with_a_fragment_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        await SignIn().start(APP + "#top")
    assert caught.value.errors[0].field == "return_url"
