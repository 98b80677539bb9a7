"""Pointing an app's settings at the fake Google."""

from __future__ import annotations

import msgspec

from assistme.config import Settings
from tests.support.fake_google import FakeGoogle


def google_settings(settings: Settings, google: FakeGoogle, *return_urls: str, **more: object) -> Settings:
    """``settings`` with Google's client, endpoints, keys and APIs all on ``google``; ``return_urls`` allowed."""
    values: dict[str, object] = {
        "google_client_id": google.client_id,
        "google_client_secret": google.client_secret,
        "google_auth_url": f"{google.base_url}/o/oauth2/v2/auth",
        "google_token_url": f"{google.base_url}/token",
        "google_revoke_url": f"{google.base_url}/revoke",
        "google_jwks_url": f"{google.base_url}/oauth2/v3/certs",
        "google_issuers": [google.issuer],
        "google_api_base": google.base_url,
        "google_retries": 1,
        "google_timeout": 3.0,
        "oauth_return_urls": list(return_urls),
    }
    return msgspec.structs.replace(settings, **(values | more))
