"""The app the adversarial suites attack: every third party is one of the fakes on 127.0.0.1 (so a route that needs
one answers, and any 5xx is the app's own), work is queued but never run, names are resolved by a table the test
controls, and the app's HTTP client reaches nothing but 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest
from dishka import Provider

from assistme.config import Settings
from tests.support.fake_feeds import Entry, FakeFeeds
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.fake_open_meteo import FakeOpenMeteo
from tests.support.google import google_settings
from tests.support.scheduling import Offline, RecordingQueue
from tests.support.webhook_world import Names, guarded_by

RETURN = "https://app.example.com/settings"
NEWS = [Entry("Markets calm", "https://news.example.com/1", datetime(2026, 1, 5, 7, tzinfo=UTC), "Quiet day.")]


@pytest.fixture
def names() -> Names:
    """The resolver of the webhook address guard: a name resolves only once a test puts it here."""
    return Names()


@pytest.fixture
def hostile_settings(
    settings: Settings, google: FakeGoogle, llm: FakeLlm, meteo: FakeOpenMeteo, feeds: FakeFeeds
) -> Settings:
    """Rate limits out of the way (a thousand requests must meet the rules, not the limiter), every upstream a
    fake on 127.0.0.1."""
    for fake in (google, llm, meteo, feeds):
        fake.reset()
    model = {"llm_base_url": f"{llm.base_url}/v1", "llm_api_key": llm.api_key, "llm_model": "fuzz-model"}
    openai = {"openai_base_url": f"{llm.base_url}/v1", "openai_api_key": llm.api_key}
    limits = dict.fromkeys(("chat", "task", "connect", "execute"), "100000/minute")
    return google_settings(
        msgspec.structs.replace(
            settings,
            rate_limit_enabled=False,
            login_failures_per_email="100000/minute",
            login_failures_per_address="100000/minute",
            **{f"{name}_rate_limit": value for name, value in limits.items()},
            **model,
            **openai,
            llm_retries=0,
            open_meteo_base_url=meteo.base_url,
            news_feeds={"world": feeds.publish("world", "rss", NEWS)},
            telegram_api_base="http://127.0.0.1:9",  # no bot token is set: nothing is ever sent there
        ),
        google,
        RETURN,
        google_retries=0,
    )


@pytest.fixture
def hostile_providers(names: Names) -> tuple[Provider, ...]:
    return Offline(RecordingQueue()), guarded_by(names, allow_private=False)
