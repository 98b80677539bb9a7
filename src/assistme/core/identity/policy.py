"""The identity rules that settings tune."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    refresh_token_ttl: int = 30 * 24 * 3600
    refresh_reuse_grace: int = 30
    login_failures_per_email: str = "5/15minutes"
    login_failures_per_address: str = "20/15minutes"
