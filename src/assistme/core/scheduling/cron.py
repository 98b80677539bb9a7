"""Cron maths: five-field cron read on the wall clock of an IANA zone, fired at UTC instants.

croniter walks naive local (wall-clock) matches; each match is then mapped to the UTC instants it
stands for. We do not hand croniter aware datetimes: across daylight-saving changes it fires a
fixed-hour job twice on fall-back days and at the wrong instant on spring-forward days.

Rules, the point of this module:
- Ordinary wall times map one-to-one.
- A wall time that does not exist (spring-forward gap): a job whose hour field is fixed fires once,
  at the instant the wall time would have had with the pre-transition offset (zoneinfo's fold=0
  reading: Berlin 02:30 on 2026-03-29 is 01:30Z, i.e. 03:30 CEST). A job whose hour field is `*`
  has no fire in the gap: those minutes do not exist, and mapping them would repeat real ones.
- A wall time that occurs twice (fall-back fold): a fixed-hour job fires once, at the first
  occurrence; an `*`-hour job ("every N minutes") fires at both, as it follows real time.
- Results are aware UTC datetimes, strictly increasing, without duplicates.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, CroniterError, croniter

from assistme.core.shared.errors import InvalidInput
from assistme.core.shared.zones import check_timezone

# Largest offset change we expect at one transition (DST shifts are 30 min to 2 h). The naive walk
# starts this far before the bound's wall time, and an instant is released only once the walk is
# this far past it: a gap or a fold can move a later wall time at most this far back in real time.
_SLACK = timedelta(hours=3)
# Safety cap on naive steps without a fire; a valid expression never comes near it.
_MAX_IDLE_STEPS = 10_000
_EPOCH = datetime(2000, 1, 1)  # naive on purpose: croniter walks wall-clock time


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A validated cron schedule in a time zone.

    `expression` has exactly five fields (minute hour day-of-month month day-of-week), read as
    croniter reads them, including its 5-field extensions `L`, `W`, `#` and `?`. Refused: seconds or
    years fields, `@daily`-style macros, and croniter's random (`R`) and hashed (`H`) values, which
    would make the schedule differ from one parse to the next.
    """

    expression: str  # normalised: fields joined by single spaces
    timezone: str  # IANA name

    @classmethod
    def parse(cls, expression: str, timezone: str) -> CronSchedule:
        """Validate and normalise; InvalidInput names `cron_expression` or `timezone`."""
        fields = expression.split()
        if len(fields) != 5:
            raise InvalidInput.field(
                "cron_expression",
                f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}",
            )
        # No month or day name starts with R or H, so a part that does is croniter's random/hashed syntax.
        if any(part[:1].upper() in ("R", "H") for field in fields for part in field.split(",")):
            raise InvalidInput.field("cron_expression", "random (R) and hashed (H) values are not supported")
        normalised = " ".join(fields)
        try:
            croniter(normalised, _EPOCH).get_next(datetime)
        except CroniterBadDateError:
            raise InvalidInput.field("cron_expression", f"'{normalised}' never fires") from None
        except CroniterError as exc:
            raise InvalidInput.field("cron_expression", f"not a valid cron expression: {exc}") from None
        return cls(normalised, check_timezone(timezone))

    def next_after(self, instant: datetime) -> datetime:
        """The first fire time strictly after `instant` (aware), as an aware UTC datetime."""
        first = next(self._fires(instant), None)
        if first is None:  # cannot happen for a parsed schedule: it fires forever
            raise RuntimeError(f"cron '{self.expression}' found no fire time after {instant.isoformat()}")
        return first

    def between(self, start: datetime, end: datetime, limit: int) -> list[datetime]:
        """Fire times t with start < t <= end, ascending: the earliest `limit` of them, aware UTC."""
        _require_aware(start)
        _require_aware(end)
        if limit <= 0 or end <= start:
            return []
        return list(islice(takewhile(lambda t: t <= end, self._fires(start)), limit))

    def upcoming(self, after: datetime, n: int) -> list[datetime]:
        """The next `n` fire times strictly after `after`, aware UTC."""
        return list(islice(self._fires(after), max(n, 0)))

    def _fires(self, after: datetime) -> Iterator[datetime]:
        """Fire instants strictly after `after`, ascending and distinct.

        Mapping wall times to instants is monotonic except at a transition, where it may step back
        by at most _SLACK; so instants wait in a heap until the walk is _SLACK past them.
        """
        bound = _require_aware(after).astimezone(UTC)
        zone = ZoneInfo(self.timezone)
        walk = croniter(self.expression, bound.astimezone(zone).replace(tzinfo=None) - _slack(zone, bound))
        every_hour = walk.expanded[1] == ["*"]  # croniter also folds `*/1` and `0-23` into `*`
        pending: list[datetime] = []
        idle = 0
        while idle < _MAX_IDLE_STEPS:
            wall = walk.get_next(datetime)
            idle += 1
            for instant in _instants(wall, zone, every_hour=every_hour):
                if instant > bound:
                    heapq.heappush(pending, instant)
            # No later wall time maps before this floor (fold=0 reading is the earliest of a wall time).
            reading = wall.replace(tzinfo=zone).astimezone(UTC)
            floor = reading - _slack(zone, reading)
            while pending and pending[0] <= floor:
                instant = heapq.heappop(pending)
                if instant > bound:  # drops duplicates: a gap reading can equal a real wall time
                    bound = instant
                    idle = 0
                    yield instant


def _instants(wall: datetime, zone: ZoneInfo, *, every_hour: bool) -> list[datetime]:
    """The UTC instants a naive wall time fires at, by the rules of the module docstring."""
    first = wall.replace(tzinfo=zone)  # fold=0: the pre-transition offset
    second = wall.replace(tzinfo=zone, fold=1)
    utc = first.astimezone(UTC)
    if first.utcoffset() == second.utcoffset():
        return [utc]
    if utc.astimezone(zone).replace(tzinfo=None) != wall:  # does not round-trip: a gap
        return [] if every_hour else [utc]
    return [utc, second.astimezone(UTC)] if every_hour else [utc]


def _slack(zone: ZoneInfo, instant: datetime) -> timedelta:
    """How far the walk must look around ``instant``: _SLACK near an offset change, nothing elsewhere (where
    wall times map to instants one to one and in order), which keeps an every-minute job's walk short."""
    if (instant - _SLACK).astimezone(zone).utcoffset() == (instant + _SLACK).astimezone(zone).utcoffset():
        return timedelta(0)
    return _SLACK


def _require_aware(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {value.isoformat()}")
    return value
