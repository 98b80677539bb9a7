"""Settings from ASSISTME_* variables: parsed once, refused clearly when wrong or unsafe for production."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from assistme.cli import main
from assistme.config import DEV_SECRET, load_settings

STRONG = "s" * 48
KEY = Fernet.generate_key().decode()


def test_defaults_are_the_embedded_development_setup() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.environment == "development"
    assert settings.embedded
    assert settings.access_token_ttl == 15 * 60
    assert settings.refresh_token_ttl == 30 * 24 * 3600
    assert settings.rate_limit_default == "100/minute"
    assert settings.max_body_bytes == 1024 * 1024


@pytest.mark.parametrize("secret", [None, DEV_SECRET, "short-but-not-the-dev-one"])
def test_production_refuses_the_development_or_a_short_secret(secret: str | None) -> None:
    env = {"ASSISTME_ENVIRONMENT": "production"}
    if secret is not None:
        env["ASSISTME_SECRET_KEY"] = secret
    with pytest.raises(ValueError, match="ASSISTME_SECRET_KEY"):
        load_settings(env, env_file=None)


def test_production_starts_with_a_long_random_secret_and_encryption_keys() -> None:
    env = {"ASSISTME_ENVIRONMENT": "production", "ASSISTME_SECRET_KEY": STRONG, "ASSISTME_ENCRYPTION_KEYS": KEY}
    settings = load_settings(env, env_file=None)
    assert settings.environment == "production"


def test_production_refuses_to_start_without_encryption_keys_even_without_google() -> None:
    # webhook secrets and imported calendar credentials are sealed whether or not a Google client is configured
    with pytest.raises(ValueError, match="ASSISTME_ENCRYPTION_KEYS"):
        load_settings({"ASSISTME_ENVIRONMENT": "production", "ASSISTME_SECRET_KEY": STRONG}, env_file=None)


def test_development_accepts_the_development_secret() -> None:
    assert load_settings({"ASSISTME_SECRET_KEY": DEV_SECRET}, env_file=None).secret_key == DEV_SECRET


def test_assistme_run_exits_non_zero_with_a_clear_message_on_a_development_secret_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    env = {"ASSISTME_ENVIRONMENT": "production", "ASSISTME_SECRET_KEY": DEV_SECRET}
    result = CliRunner().invoke(main, ["run"], env=env)
    assert result.exit_code != 0
    assert "ASSISTME_SECRET_KEY" in result.output
    assert "Traceback" not in result.output


def test_lists_parse_from_comma_separated_values() -> None:
    settings = load_settings(
        {
            "ASSISTME_CORS_ORIGINS": "https://app.example.com, https://admin.example.com,,",
            "ASSISTME_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1, ::1",
        },
        env_file=None,
    )
    assert settings.cors_origins == ["https://app.example.com", "https://admin.example.com"]
    assert settings.trusted_proxies == ["10.0.0.0/8", "192.0.2.1", "::1"]


def test_numbers_and_switches_parse_from_strings() -> None:
    settings = load_settings(
        {
            "ASSISTME_ACCESS_TOKEN_TTL": "600",
            "ASSISTME_READINESS_TIMEOUT": "0.5",
            "ASSISTME_RATE_LIMIT_ENABLED": "false",
        },
        env_file=None,
    )
    assert (settings.access_token_ttl, settings.readiness_timeout, settings.rate_limit_enabled) == (600, 0.5, False)


def test_an_empty_redis_url_means_embedded() -> None:
    assert load_settings({"ASSISTME_REDIS_URL": ""}, env_file=None).embedded


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ASSISTME_ACCESS_TOKEN_TTL", "fifteen minutes"),
        ("ASSISTME_READINESS_TIMEOUT", "soon"),
        ("ASSISTME_ENVIRONMENT", "prod"),
        ("ASSISTME_RATE_LIMIT_DEFAULT", "lots"),
        ("ASSISTME_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
    ],
)
def test_a_bad_value_is_a_clear_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings({name: value}, env_file=None)


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ASSISTME_LOG_LEVEL=DEBUG\nASSISTME_JWT_ISSUER=from-file\n")
    settings = load_settings({"ASSISTME_JWT_ISSUER": "from-env"}, env_file=env_file)
    assert (settings.log_level, settings.jwt_issuer) == ("DEBUG", "from-env")
