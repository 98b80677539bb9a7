"""The Fernet keyring: tokens sealed to one row, several keys, rotation to the newest."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from assistme.adapters.security.keyring import FernetKeyring, development_key
from assistme.core.integrations.entities import Tokens

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKENS = Tokens("ya29.access-token", "1//refresh-token")


def test_sealed_tokens_open_only_with_the_same_binding() -> None:
    keyring = FernetKeyring([NEW])
    sealed = keyring.seal(TOKENS, "conn-a:user-a")
    assert "ya29" not in sealed
    assert "refresh" not in sealed
    assert keyring.open(sealed, "conn-a:user-a") == TOKENS
    with pytest.raises(ValueError, match="another record"):
        keyring.open(sealed, "conn-b:user-b")  # the ciphertext copied into another user's row


def test_an_old_key_still_opens_until_rotation_moves_everything_to_the_new_one() -> None:
    sealed = FernetKeyring([OLD]).seal(TOKENS, "c:u")
    both = FernetKeyring([NEW, OLD])
    assert both.open(sealed, "c:u") == TOKENS
    rotated = both.reseal(sealed, "c:u")
    assert FernetKeyring([NEW]).open(rotated, "c:u") == TOKENS
    with pytest.raises(ValueError, match="no configured key"):
        FernetKeyring([NEW]).open(sealed, "c:u")


def test_rotation_refuses_a_foreign_ciphertext() -> None:
    keyring = FernetKeyring([NEW, OLD])
    with pytest.raises(ValueError, match="another record"):
        keyring.reseal(keyring.seal(TOKENS, "c:u"), "c:other")


def test_tampered_or_garbage_ciphertext_is_refused() -> None:
    keyring = FernetKeyring([NEW])
    sealed = keyring.seal(TOKENS, "c:u")
    for bad in (sealed[:-4] + "AAAA", "not-a-token", ""):
        with pytest.raises(ValueError, match="no configured key"):
            keyring.open(bad, "c:u")


def test_the_development_key_is_stable_and_depends_on_the_secret() -> None:
    assert development_key("a" * 40) == development_key("a" * 40) != development_key("b" * 40)
    FernetKeyring([development_key("a" * 40)]).seal(TOKENS, "c:u")


def test_tokens_never_print() -> None:
    assert "ya29" not in repr(TOKENS)
    assert "ya29" not in f"{TOKENS}"
