"""Latency histograms: fixed, log-spaced buckets that add up across processes and minutes, and percentiles read
from their sum (SQLite has no percentile function, and summed histograms are all a multi-process store can keep)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

BOUNDS_MS: tuple[float, ...] = (
    0.5, 1, 1.5, 2, 3, 5, 7,
    10, 15, 20, 30, 50, 70,
    100, 150, 200, 300, 500, 700,
    1000, 1500, 2000, 3000, 5000, 7000,
    10_000, 20_000, 30_000, 60_000,
)  # fmt: skip
"""Upper bounds, inclusive, in milliseconds: about six per decade (1, 1.5, 2, 3, 5, 7). Bucket ``i`` holds the
durations in (``BOUNDS_MS[i-1]``, ``BOUNDS_MS[i]``]; one more bucket holds everything above the last bound."""

BUCKETS = len(BOUNDS_MS) + 1


def bucket_of(duration_ms: float) -> int:
    return bisect_left(BOUNDS_MS, duration_ms)


def percentile(counts: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile (0 < q <= 1) of the durations ``counts`` holds, as Prometheus' ``histogram_quantile``
    estimates it: linear within the bucket the rank falls in. Above the last bound the answer is that bound (a
    floor: the histogram cannot tell more). None for an empty histogram."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for i, count in enumerate(counts):
        if count and seen + count >= rank:
            if i == len(BOUNDS_MS):
                return BOUNDS_MS[-1]
            lower = BOUNDS_MS[i - 1] if i else 0.0
            return lower + (BOUNDS_MS[i] - lower) * (rank - seen) / count
        seen += count
    return BOUNDS_MS[-1]  # unreachable for 0 < q <= 1
