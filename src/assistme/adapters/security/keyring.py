"""The keyring: Fernet (AES-128-CBC with HMAC-SHA256) under several keys, newest first, so keys can rotate.

The plaintext carries the binding (connection id and user id) beside the secret: a ciphertext copied into another
row decrypts, but no longer matches that row's binding, and is refused.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from assistme.adapters.security.digests import derive_key
from assistme.core.integrations.entities import Tokens


class FernetKeyring:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("the keyring needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, tokens: Tokens, binding: str) -> str:
        plain = {"b": binding, "a": tokens.access_token, "r": tokens.refresh_token}
        return self._fernet.encrypt(json.dumps(plain).encode()).decode()

    def open(self, sealed: str, binding: str) -> Tokens:
        try:
            plain = json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            raise ValueError("no configured key opens this secret") from None
        if not hmac.compare_digest(str(plain.get("b", "")), binding):
            raise ValueError("this secret belongs to another record")
        return Tokens(plain["a"], plain["r"])

    def reseal(self, sealed: str, binding: str) -> str:
        self.open(sealed, binding)  # refuse to carry a foreign ciphertext forward under the new key
        return self._fernet.rotate(sealed.encode()).decode()


def development_key(secret_key: str) -> str:
    """A Fernet key derived from the secret key, for a checkout that configured none (refused in production)."""
    return base64.urlsafe_b64encode(derive_key(secret_key, "keyring")).decode()
