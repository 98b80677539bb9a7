"""AnswerSealer: Fernet under the keyring's keys, newest first, with the binding's digest sealed in front."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_DIGEST = 32


class FernetSealer:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("the sealer needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, body: bytes, binding: str) -> str:
        return self._fernet.encrypt(_digest(binding) + body).decode()

    def open(self, sealed: str, binding: str) -> bytes:
        try:
            plain = self._fernet.decrypt(sealed.encode())
        except (InvalidToken, ValueError):
            raise ValueError("no configured key opens this answer") from None
        if not hmac.compare_digest(plain[:_DIGEST], _digest(binding)):
            raise ValueError("this answer belongs to another key")
        return plain[_DIGEST:]


def _digest(binding: str) -> bytes:
    return hashlib.sha256(binding.encode()).digest()
