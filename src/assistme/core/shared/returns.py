"""Where a browser may be sent back after a consent: only to an allow-listed origin and path prefix.

An open redirect here would hand an attacker a link on our domain that lands on theirs with ``status=connected``;
so the comparison is on the parsed URL (scheme, host, port, path segments), never on the string's start, which
``https://app.example.com.evil.net`` or ``https://app.example.com@evil.net`` would pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from assistme.core.shared.errors import InvalidInput

MAX_URL = 2048


@dataclass(frozen=True, slots=True)
class AllowedReturn:
    scheme: str
    netloc: str
    path: str  # a prefix of whole segments, without the trailing slash

    @classmethod
    def parse(cls, entry: str) -> AllowedReturn:
        """An allow-list entry such as ``https://app.example.com/settings``; ValueError when it is not one."""
        parts = urlsplit(entry)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            raise ValueError(f"{entry!r} is not an absolute http(s) URL without credentials")
        if parts.query or parts.fragment:
            raise ValueError(f"{entry!r} must not carry a query or a fragment")
        return cls(parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"))

    def admits(self, scheme: str, netloc: str, path: str) -> bool:
        if (scheme, netloc) != (self.scheme, self.netloc):
            return False
        return path == self.path or path.startswith(self.path + "/")


@dataclass(frozen=True, slots=True)
class ReturnAllowList:
    """The configured entries, as one dependency."""

    entries: tuple[AllowedReturn, ...]

    def check(self, url: str, field: str = "return_url") -> str:
        return check_return_url(url, self.entries, field)


def check_return_url(url: str, allowed: Sequence[AllowedReturn], field: str = "return_url") -> str:
    """``url`` when an entry admits it, else 422 naming ``field``."""
    refused = InvalidInput.field(field, "is not an allowed return address")
    if len(url) > MAX_URL or any(ch in url for ch in "\\\t\r\n\x00 ") or not url.isprintable():
        raise refused
    try:
        parts = urlsplit(url)
        port = parts.port  # a malformed port raises here
    except ValueError:
        raise refused from None
    if parts.username is not None or parts.password is not None or not parts.hostname or port == 0:
        raise refused
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        raise refused  # /settings/../admin, or /settings/%2e%2e/admin, leaves the prefix once a browser resolves it
    if not any(entry.admits(parts.scheme, parts.netloc.lower(), parts.path.rstrip("/")) for entry in allowed):
        raise refused
    return url
