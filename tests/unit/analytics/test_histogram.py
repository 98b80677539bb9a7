"""The latency histogram: which bucket a duration falls in, and percentiles read back from summed buckets."""

from __future__ import annotations

from itertools import pairwise

import pytest

from assistme.core.analytics.histogram import BOUNDS_MS, BUCKETS, bucket_of, percentile


def counts(*pairs: tuple[float, int]) -> list[int]:
    """A histogram holding ``n`` durations of ``ms`` for each (ms, n)."""
    buckets = [0] * BUCKETS
    for ms, n in pairs:
        buckets[bucket_of(ms)] += n
    return buckets


def test_bounds_are_log_spaced_and_inclusive() -> None:
    ratios = [b / a for a, b in pairwise(BOUNDS_MS)]
    assert all(1.3 <= r <= 2.0 for r in ratios)
    assert bucket_of(0) == 0
    assert bucket_of(0.5) == 0  # an upper bound belongs to its own bucket
    assert bucket_of(0.51) == 1
    assert bucket_of(4) == BOUNDS_MS.index(5)
    assert bucket_of(60_000) == len(BOUNDS_MS) - 1
    assert bucket_of(60_001) == BUCKETS - 1  # the overflow


def test_percentiles_interpolate_within_the_bucket_the_rank_falls_in() -> None:
    histogram = counts((4, 90), (400, 10))  # 90 in (3, 5], 10 in (300, 500]
    assert percentile(histogram, 0.50) == pytest.approx(3 + 2 * 50 / 90)
    assert percentile(histogram, 0.95) == pytest.approx(300 + 200 * 5 / 10)
    assert percentile(histogram, 0.90) == pytest.approx(5.0)  # the 90th is the last of the first bucket
    assert percentile(histogram, 1.0) == pytest.approx(500.0)


def test_one_duration_reads_as_its_bucket_and_the_first_bucket_starts_at_zero() -> None:
    assert percentile(counts((0.2, 1)), 0.5) == pytest.approx(0.25)
    assert percentile(counts((12, 1)), 0.95) == pytest.approx(10 + 5 * 0.95)


def test_empty_buckets_between_do_not_move_a_percentile() -> None:
    histogram = counts((1.2, 50), (9_000, 50))
    assert percentile(histogram, 0.50) == pytest.approx(1.5)
    assert percentile(histogram, 0.51) == pytest.approx(7_000 + 3_000 * 1 / 50)


def test_above_the_last_bound_the_answer_is_that_bound() -> None:
    assert percentile(counts((120_000, 3)), 0.95) == BOUNDS_MS[-1]


def test_an_empty_histogram_has_no_percentile() -> None:
    assert percentile([0] * BUCKETS, 0.5) is None


def test_summed_histograms_give_the_percentile_of_all_their_durations() -> None:
    """What the store does across minutes and processes: adding buckets is adding the durations."""
    first, second = counts((4, 45), (400, 5)), counts((4, 45), (400, 5))
    summed = [a + b for a, b in zip(first, second, strict=True)]
    assert summed == counts((4, 90), (400, 10))
    assert percentile(summed, 0.95) == pytest.approx(400.0)
