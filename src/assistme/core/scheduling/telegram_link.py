"""Linking a Telegram chat with proof of ownership: the person asks for a code, sends it to the bot from the
chat, and the bot (an API key) presents it with the chat id. Nobody can point notifications at a chat they
do not write from, nor at an account they are not signed in to."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistme.core.identity.entities import Scope
from assistme.core.identity.ports import SecretDigest, UserRepository
from assistme.core.identity.principal import Principal
from assistme.core.scheduling.ports import LinkCodeRepository
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import InvalidInput, NotFound
from assistme.core.shared.uow import UnitOfWork

CODE_TTL = timedelta(minutes=10)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: people type it
CODE_LENGTH = 10  # 50 bits, against a bot key that may guess for at most ten minutes per code


@dataclass(frozen=True, slots=True)
class LinkCode:
    code: str
    expires_at: datetime


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


@dataclass(slots=True)
class IssueTelegramLinkCode:
    """A one-time code for the caller, valid for ten minutes; asking again voids the previous one. Only its
    digest is stored."""

    codes: LinkCodeRepository
    digest: SecretDigest
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal) -> LinkCode:
        user_id = principal.require_user()
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        expires_at = self.clock.now() + CODE_TTL
        await self.codes.replace(user_id, self.digest.digest(code), expires_at)
        await self.uow.commit()
        return LinkCode(code, expires_at)


@dataclass(slots=True)
class LinkTelegramChat:
    """The bot presents a code it received in ``chat_id`` from ``telegram_id``: that chat now receives the
    code's owner's notifications, and the owner is known by that Telegram id. A Telegram id that belongs to
    another account refuses the link (409) and changes nothing, the code included."""

    codes: LinkCodeRepository
    digest: SecretDigest
    users: UserRepository
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, code: str, chat_id: int, telegram_id: int) -> None:
        principal.require_admin_or_scope(Scope.USERS_WRITE)
        user_id = await self.codes.consume(self.digest.digest(normalise_code(code)), self.clock.now())
        if user_id is None:
            raise InvalidInput.field("code", "is unknown, used or expired: ask for a new one")
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound("the code's account is gone")
        user.telegram_chat_id, user.telegram_id = chat_id, telegram_id
        await self.users.save(user)  # Conflict when another account has this telegram_id: nothing is committed
        await self.uow.commit()


@dataclass(slots=True)
class UnlinkTelegramChat:
    users: UserRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal) -> None:
        user = await self.users.get(principal.require_user())
        if user is None:
            raise NotFound("no such account")
        user.telegram_chat_id = None
        await self.users.save(user)
        await self.uow.commit()
