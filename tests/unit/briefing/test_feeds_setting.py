"""ASSISTME_NEWS_FEEDS: a JSON object or name=url pairs, checked at start."""

from __future__ import annotations

import pytest

from assistme.config import load_settings


def test_feeds_read_as_name_url_pairs_or_as_a_json_object() -> None:
    pairs = load_settings(
        {"ASSISTME_NEWS_FEEDS": "world=https://a.example/rss?x=1, tech=https://b.example/atom"}, env_file=None
    )
    assert pairs.news_feeds == {"world": "https://a.example/rss?x=1", "tech": "https://b.example/atom"}
    as_json = load_settings({"ASSISTME_NEWS_FEEDS": '{"world": "https://a.example/rss,1"}'}, env_file=None)
    assert as_json.news_feeds == {"world": "https://a.example/rss,1"}
    assert load_settings({}, env_file=None).news_feeds == {}  # no feed is contacted unless the operator names it


@pytest.mark.parametrize(
    "raw", ["world", "a b=https://x.example/", "world=ftp://x.example/", "w=/relative", "{not json"]
)
def test_a_feed_that_is_not_a_name_and_an_http_url_stops_the_start(raw: str) -> None:
    with pytest.raises(ValueError, match="ASSISTME_NEWS_FEEDS"):
        load_settings({"ASSISTME_NEWS_FEEDS": raw}, env_file=None)
