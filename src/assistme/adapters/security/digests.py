"""Random secrets and their keyed hashes (HMAC-SHA256): the database never holds a usable token."""

from __future__ import annotations

import hashlib
import hmac
import secrets


class HmacDigest:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def new_secret(self, prefix: str) -> str:
        return prefix + secrets.token_urlsafe(32)

    def digest(self, secret: str) -> str:
        return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A separate key per purpose, so a token signature never doubles as a stored hash."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()
