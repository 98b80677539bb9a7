"""The analytics and metrics settings: refused when they cannot work, and /metrics never open in production."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from assistme.config import load_settings

PRODUCTION = {
    "ASSISTME_ENVIRONMENT": "production",
    "ASSISTME_SECRET_KEY": "s" * 40,
    "ASSISTME_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


def test_analytics_is_on_and_metrics_off_by_default() -> None:
    settings = load_settings({}, env_file=None)
    assert (settings.analytics_enabled, settings.metrics_enabled, settings.metrics_token) == (True, False, None)


def test_production_refuses_metrics_without_a_token() -> None:
    with pytest.raises(ValueError, match="ASSISTME_METRICS_TOKEN"):
        load_settings({**PRODUCTION, "ASSISTME_METRICS_ENABLED": "true"}, env_file=None)
    settings = load_settings(
        {**PRODUCTION, "ASSISTME_METRICS_ENABLED": "true", "ASSISTME_METRICS_TOKEN": "m" * 32}, env_file=None
    )
    assert settings.metrics_token == "m" * 32


@pytest.mark.parametrize(
    "env",
    [
        {"ASSISTME_ANALYTICS_FLUSH_INTERVAL": "0"},
        {"ASSISTME_ANALYTICS_BATCH_SIZE": "0"},
        {"ASSISTME_ANALYTICS_BATCH_SIZE": "100", "ASSISTME_ANALYTICS_BUFFER_SIZE": "10"},
    ],
)
def test_analytics_settings_that_cannot_work_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="ASSISTME_ANALYTICS_"):
        load_settings(env, env_file=None)
