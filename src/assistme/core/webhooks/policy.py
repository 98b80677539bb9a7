"""The limits of webhook delivery, from settings."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000)  # seconds before each retry
OVERLAP_SECONDS = 24 * 3600  # a rotated-out secret keeps signing this long


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    retry_schedule: tuple[int, ...] = DEFAULT_SCHEDULE
    jitter: float = 0.1  # each wait is moved by up to this share, so failed deliveries do not retry in step
    failure_window: int = 5 * 24 * 3600  # an endpoint failing this long without one success is disabled
    lease_seconds: int = 60  # outlasts one attempt (its timeout and the bookkeeping around it)
    longest_retry_after: int = 24 * 3600  # a receiver's Retry-After is honoured up to this
    batch: int = 100
    max_endpoints_per_user: int = 20

    @property
    def max_attempts(self) -> int:
        """The first attempt and one per retry: an attempt counted past this is not made, whatever went wrong."""
        return len(self.retry_schedule) + 1

    @property
    def idle_after(self) -> float:
        """Seconds without a failure after which a failing endpoint counts as idle, not failing: longer than any
        wait of a delivery still pending (the schedule's longest, jittered, or the longest Retry-After honoured)."""
        longest = max(self.retry_schedule, default=0) * (1 + self.jitter)
        return max(longest, self.longest_retry_after) + self.lease_seconds
