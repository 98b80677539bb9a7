"""Secrets out of stored tool calls: whatever the model or a tool put under a secret-sounding key.

A key is read as words (``apiKey``, ``api_key`` and ``X-Api-Key`` alike), so ``access_token`` is masked while
``max_tokens`` or ``secretary_id`` are not: a substring match would hide those and teach nobody anything.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

MASK = "***"
MAX_RAW = 2000  # characters kept of arguments that were not JSON

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_ENDINGS = ("token", "secret", "password", "passwd", "passphrase", "apikey", "credential", "credentials", "cookie")
_WHOLE = frozenset({"auth", "authorization", "bearer", "pwd"})
_KEYS = frozenset({"api", "access", "private", "secret", "signing", "encryption"})  # api_key, private_key, ...
# A key and its value in text that is not JSON: "key": "value", 'key': value, key=value.
_PAIR = re.compile(
    r"""(?P<q>["']?)(?P<key>[A-Za-z0-9_-]+)(?P=q)\s*[:=]\s*(?P<value>"(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,;}\]]+)"""
)


def is_secret(key: str) -> bool:
    words = [word.lower() for word in _WORDS.findall(key)]
    return any(word.endswith(_ENDINGS) or word in _WHOLE for word in words) or any(
        first in _KEYS and then == "key" for first, then in pairwise(words)
    )


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if isinstance(k, str) and is_secret(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def redact_text(raw: str) -> str:
    """Arguments the model sent that are not JSON, as far as they can be read: each value under a secret-sounding
    key masked, then cut to ``MAX_RAW`` characters."""

    def mask(pair: re.Match[str]) -> str:
        if not is_secret(pair["key"]):
            return pair[0]
        return pair[0][: pair.start("value") - pair.start()] + f'"{MASK}"'

    return _PAIR.sub(mask, raw)[:MAX_RAW]
