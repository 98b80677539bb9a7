"""Top news from the configured RSS and Atom feeds: each feed cached on its own, read concurrently, merged."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from assistme.core.briefing.caching import ReadThrough
from assistme.core.briefing.entities import Feed, FeedSnapshot, NewsItem
from assistme.core.briefing.policy import BriefingPolicy
from assistme.core.briefing.ports import NewsSource
from assistme.core.shared.errors import InvalidInput, Unavailable
from assistme.core.shared.pagination import DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class NewsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    q: str | None = None  # every word must occur in the title or the summary, case aside
    sources: tuple[str, ...] = ()  # feed names; empty: every configured feed

    def matches(self, item: NewsItem) -> bool:
        text = f"{item.title} {item.summary or ''}".casefold()
        return all(word in text for word in (self.q or "").casefold().split())


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    fetched_at: datetime | None
    stale: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class NewsDigest:
    items: list[NewsItem]
    total: int
    limit: int
    offset: int
    sources: list[SourceStatus] = field(default_factory=list)

    @property
    def fetched_at(self) -> datetime | None:
        """When the oldest copy shown was fetched."""
        return min((s.fetched_at for s in self.sources if s.fetched_at is not None), default=None)

    @property
    def stale(self) -> bool:
        return any(s.stale for s in self.sources)


@dataclass(slots=True)
class TopNews:
    """Newest first (items without a date last, in feed order). ``sources`` must name configured feeds (422
    otherwise). A feed that fails is reported in ``sources`` with its error while the others still answer; only
    when every selected feed fails with no copy to fall back on is the answer a 503."""

    source: NewsSource
    cache: ReadThrough
    policy: BriefingPolicy

    async def __call__(self, query: NewsQuery) -> NewsDigest:
        feeds = self._select(query.sources)
        read = await asyncio.gather(*(self._read(feed) for feed in feeds))
        if feeds and all(status.error for status, _ in read):
            raise Unavailable("no news feed could be read: " + "; ".join(f"{s.name}: {s.error}" for s, _ in read))
        merged = [item for _, items in read for item in items if query.matches(item)]
        merged.sort(key=lambda item: (item.published is None, -item.published.timestamp() if item.published else 0))
        page = merged[query.offset : query.offset + query.limit]
        return NewsDigest(page, len(merged), query.limit, query.offset, [status for status, _ in read])

    def _select(self, names: Sequence[str]) -> tuple[Feed, ...]:
        if not names:
            return self.policy.feeds
        known = {feed.name: feed for feed in self.policy.feeds}
        if unknown := [name for name in names if name not in known]:
            listed = ", ".join(known) or "none are configured"
            raise InvalidInput.field("sources", f"unknown source {unknown[0]!r}; the sources are: {listed}")
        return tuple(known[name] for name in dict.fromkeys(names))

    async def _read(self, feed: Feed) -> tuple[SourceStatus, tuple[NewsItem, ...]]:
        async def fetch(previous: FeedSnapshot | None) -> FeedSnapshot:
            return await self.source.fetch(feed, previous)

        # The URL is part of the key: pointing a feed's name at another address must not serve the old one's items.
        key = f"feed:{feed.name}:{hashlib.sha256(feed.url.encode()).hexdigest()[:16]}"
        try:
            cached = await self.cache(key, FeedSnapshot, self.policy.news_ttl, fetch)
        except Unavailable as failed:
            return SourceStatus(feed.name, None, error=failed.detail), ()
        return SourceStatus(feed.name, cached.fetched_at, cached.stale), cached.value.items
