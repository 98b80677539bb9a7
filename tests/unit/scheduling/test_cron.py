"""Cron maths across daylight-saving changes: Europe/Berlin, America/New_York, Australia/Lord_Howe.

2026 transitions used below:
- Berlin: 2026-03-29 02:00 CET -> 03:00 CEST (02:xx missing); 2026-10-25 03:00 CEST -> 02:00 CET (02:xx twice).
- New York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST (01:xx twice).
- Lord Howe (30-minute shift): 2026-04-05 02:00 +11 -> 01:30 +10:30; 2026-10-04 02:00 +10:30 -> 02:30 +11.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from taskiq.cli.scheduler.run import is_cron_task_now

from assistme.core.scheduling.cron import CronSchedule
from assistme.core.shared.errors import InvalidInput

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
LORD_HOWE = "Australia/Lord_Howe"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_days(zone: str, year: int, month: int, day: int, days: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of `days` local calendar days, as UTC instants."""
    first = datetime(year, month, day, tzinfo=ZoneInfo(zone))
    last = (first.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=ZoneInfo(zone))
    return first.astimezone(UTC), last.astimezone(UTC)


def fires_on_local_days(schedule: CronSchedule, year: int, month: int, day: int, days: int = 1) -> list[datetime]:
    start, end = local_days(schedule.timezone, year, month, day, days)
    tick = timedelta(microseconds=1)  # between() is start < t <= end; we want start <= t < end
    return schedule.between(start - tick, end - tick, 10_000)


def gaps(instants: list[datetime]) -> set[timedelta]:
    return {b - a for a, b in pairwise(instants)}


# --- spring forward -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        (BERLIN, (2026, 3, 28), [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]),
        (NEW_YORK, (2026, 3, 7), [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)]),
    ],
)
def test_daily_job_at_a_missing_wall_time_fires_once_at_the_pre_transition_offset(
    zone: str, day: tuple[int, int, int], expected: list[datetime]
) -> None:
    schedule = CronSchedule.parse("30 2 * * *", zone)

    assert fires_on_local_days(schedule, *day, days=3) == expected


# --- fall back ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expression", "day", "expected"),
    [
        (
            BERLIN,
            "30 2 * * *",
            (2026, 10, 24),
            [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
        (
            NEW_YORK,
            "30 1 * * *",
            (2026, 10, 31),
            [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
    ],
)
def test_daily_job_at_a_repeated_wall_time_fires_once_at_the_first_occurrence(
    zone: str, expression: str, day: tuple[int, int, int], expected: list[datetime]
) -> None:
    schedule = CronSchedule.parse(expression, zone)

    assert fires_on_local_days(schedule, *day, days=3) == expected


# --- every N minutes of real time -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "count"),
    [
        (BERLIN, (2026, 3, 29), 46),  # a local day of 23 real hours
        (BERLIN, (2026, 10, 25), 50),  # a local day of 25 real hours
        (NEW_YORK, (2026, 3, 8), 46),
        (NEW_YORK, (2026, 11, 1), 50),
    ],
)
def test_every_30_minutes_follows_real_time_across_transitions(
    zone: str, day: tuple[int, int, int], count: int
) -> None:
    schedule = CronSchedule.parse("*/30 * * * *", zone)

    fires = fires_on_local_days(schedule, *day)
    start, end = local_days(zone, *day)
    around = schedule.between(start - timedelta(days=1), end + timedelta(days=1), 10_000)

    assert len(fires) == count
    assert gaps(around) == {timedelta(minutes=30)}
    # Seen from UTC the job is perfectly regular: 48 fires on the UTC day of the transition too.
    assert Counter(t.date() for t in around)[utc(*day).date()] == 48


def test_hourly_job_fires_every_real_hour_across_fall_back() -> None:
    schedule = CronSchedule.parse("0 * * * *", BERLIN)

    fires = schedule.between(utc(2026, 10, 24, 20), utc(2026, 10, 25, 6), 100)

    assert fires == [utc(2026, 10, 24, 21) + timedelta(hours=h) for h in range(10)]


def test_lord_howe_half_hour_shifts() -> None:
    in_gap = CronSchedule.parse("15 2 * * *", LORD_HOWE)  # 02:00-02:29 missing on 2026-10-04
    in_fold = CronSchedule.parse("45 1 * * *", LORD_HOWE)  # 01:30-01:59 twice on 2026-04-05
    quarterly = CronSchedule.parse("*/15 * * * *", LORD_HOWE)

    assert fires_on_local_days(in_gap, 2026, 10, 4) == [utc(2026, 10, 3, 15, 45)]  # 02:15 at +10:30
    assert fires_on_local_days(in_fold, 2026, 4, 5) == [utc(2026, 4, 4, 14, 45)]  # 01:45 at +11:00
    spring = fires_on_local_days(quarterly, 2026, 10, 4)
    autumn = fires_on_local_days(quarterly, 2026, 4, 5)
    assert (len(spring), len(autumn)) == (94, 98)  # 23.5 and 24.5 real hours
    assert gaps(spring) == gaps(autumn) == {timedelta(minutes=15)}


def _reference(expression: str, zone: str, start: datetime, end: datetime) -> list[datetime]:
    """The module's rules computed the other way round: walk real minutes, read each on the wall clock."""
    tz = ZoneInfo(zone)
    fixed_hour = croniter(expression).expanded[1] != ["*"]
    first_wall = start.astimezone(tz).replace(tzinfo=None) - timedelta(hours=3)
    last_wall = end.astimezone(tz).replace(tzinfo=None) + timedelta(hours=3)
    walk = croniter(expression, first_wall)
    matching: set[datetime] = set()
    while (wall := walk.get_next(datetime)) <= last_wall:
        matching.add(wall)
    found: set[datetime] = set()
    minute = start
    while minute <= end:
        local = minute.astimezone(tz)
        if local.replace(tzinfo=None) in matching and not (fixed_hour and local.fold):
            found.add(minute)
        minute += timedelta(minutes=1)
    for wall in matching if fixed_hour else ():  # no real minute reads as a missing wall time
        shifted = wall.replace(tzinfo=tz).astimezone(UTC)
        if shifted.astimezone(tz).replace(tzinfo=None) != wall and start < shifted <= end:
            found.add(shifted)
    return sorted(t for t in found if t > start)


@pytest.mark.parametrize("expression", ["*/7 * * * *", "0,30 1-3 * * *", "*/10 2 * * *", "45 1,2 * * *", "0 */2 * * *"])
@pytest.mark.parametrize(
    ("zone", "day"),
    [(BERLIN, (2026, 3, 29)), (BERLIN, (2026, 10, 25)), (NEW_YORK, (2026, 11, 1)), (LORD_HOWE, (2026, 10, 4))],
)
def test_transition_days_match_a_brute_force_reference(expression: str, zone: str, day: tuple[int, int, int]) -> None:
    schedule = CronSchedule.parse(expression, zone)
    start, end = local_days(zone, *day)

    assert schedule.between(start, end, 10_000) == _reference(expression, zone, start, end)


# --- next_after, between, upcoming ----------------------------------------------------------------


def test_next_after_is_strictly_after_and_aware_utc() -> None:
    schedule = CronSchedule.parse("0 9 * * *", BERLIN)
    fire = utc(2026, 6, 1, 7)  # 09:00 CEST

    assert schedule.next_after(fire - timedelta(seconds=1)) == fire
    assert schedule.next_after(fire) == utc(2026, 6, 2, 7)
    assert schedule.next_after(fire.astimezone(ZoneInfo(NEW_YORK))).tzinfo is UTC


def test_next_after_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        CronSchedule.parse("0 9 * * *", BERLIN).next_after(datetime(2026, 6, 1))


def test_between_excludes_start_includes_end_and_keeps_the_earliest() -> None:
    schedule = CronSchedule.parse("0 * * * *", "UTC")

    assert schedule.between(utc(2026, 1, 1, 10), utc(2026, 1, 1, 14), 100) == [
        utc(2026, 1, 1, h) for h in (11, 12, 13, 14)
    ]
    assert schedule.between(utc(2026, 1, 1, 10), utc(2026, 1, 1, 14), 2) == [utc(2026, 1, 1, 11), utc(2026, 1, 1, 12)]
    assert schedule.between(utc(2026, 1, 1, 10), utc(2026, 1, 1, 14), 0) == []
    assert schedule.between(utc(2026, 1, 1, 14), utc(2026, 1, 1, 10), 10) == []


def test_upcoming_returns_n_strictly_increasing_fires_matching_next_after() -> None:
    schedule = CronSchedule.parse("*/20 1-3 * * *", BERLIN)
    after = utc(2026, 10, 24, 12)

    fires = schedule.upcoming(after, 30)

    chained = [schedule.next_after(after)]
    while len(chained) < 30:
        chained.append(schedule.next_after(chained[-1]))
    assert fires == chained
    assert all(a < b for a, b in pairwise(fires))
    assert all(t.tzinfo is UTC for t in fires)
    assert schedule.upcoming(after, 0) == []


# --- parse ----------------------------------------------------------------------------------------


def test_parse_normalises_whitespace() -> None:
    schedule = CronSchedule.parse("  0   9 *\t* 1-5 \n", BERLIN)

    assert schedule == CronSchedule("0 9 * * 1-5", BERLIN)


def test_parse_accepts_croniter_five_field_extensions() -> None:
    assert CronSchedule.parse("0 0 L * *", "UTC").next_after(utc(2026, 2, 1)) == utc(2026, 2, 28)
    assert CronSchedule.parse("0 0 * * 1#2", "UTC").next_after(utc(2026, 1, 1)) == utc(2026, 1, 12)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("* * * *", "expected 5 fields"),
        ("0 * * * * *", "expected 5 fields"),
        ("@daily", "expected 5 fields"),
        ("", "expected 5 fields"),
        ("   ", "expected 5 fields"),
        ("garbage", "expected 5 fields"),
        ("a b c d e", "not a valid cron expression"),
        ("61 * * * *", "not a valid cron expression"),
        ("0 24 * * *", "not a valid cron expression"),
        ("0 0 * 13 *", "not a valid cron expression"),
        ("R * * * *", "random (R) and hashed (H)"),
        ("H * * * *", "random (R) and hashed (H)"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6 *", "never fires"),
    ],
)
def test_parse_refuses_bad_expressions_naming_the_field(expression: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CronSchedule.parse(expression, BERLIN)

    assert [e.field for e in caught.value.errors] == ["cron_expression"]
    assert reason in caught.value.errors[0].message


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/berlin", "", "../etc/passwd", "/etc/localtime"])
def test_parse_refuses_an_unknown_zone(zone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CronSchedule.parse("0 9 * * *", zone)

    assert [(e.field, e.message) for e in caught.value.errors] == [("timezone", f"unknown IANA time zone '{zone}'")]


# --- why not croniter's or taskiq's own time-zone handling ----------------------------------------


def test_croniter_with_an_aware_start_misplaces_the_spring_fire_and_doubles_the_autumn_one() -> None:
    """croniter 7.0.0, fed an aware Europe/Berlin start, gets a daily 02:30 job wrong on both days."""
    berlin = ZoneInfo(BERLIN)

    def croniter_fires(day: tuple[int, int, int]) -> list[datetime]:
        start, end = local_days(BERLIN, *day)
        walk = croniter("30 2 * * *", start.astimezone(berlin) - timedelta(seconds=1))
        fires = []
        while (t := walk.get_next(datetime).astimezone(UTC)) < end:
            fires.append(t)
        return fires

    # Spring: once, but at 03:00 CEST (01:00Z), not at 02:30 read as +01:00 (01:30Z) like ours.
    assert croniter_fires((2026, 3, 29)) == [utc(2026, 3, 29, 1)]
    # Autumn: twice, at both readings of 02:30; ours fires once.
    assert croniter_fires((2026, 10, 25)) == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]
    ours = CronSchedule.parse("30 2 * * *", BERLIN)
    assert fires_on_local_days(ours, 2026, 3, 29) == [utc(2026, 3, 29, 1, 30)]
    assert fires_on_local_days(ours, 2026, 10, 25) == [utc(2026, 10, 25, 0, 30)]


def test_taskiq_minute_matcher_skips_the_spring_fire_and_doubles_the_autumn_one() -> None:
    """taskiq's scheduler asks `is_cron_task_now` every minute; a daily 02:30 Berlin job then fires
    0 times on the spring-forward day and 2 times on the fall-back day."""

    def taskiq_fires(day: tuple[int, int, int]) -> int:
        start, end = local_days(BERLIN, *day)
        minutes = int((end - start) / timedelta(minutes=1))
        return sum(is_cron_task_now("30 2 * * *", start + timedelta(minutes=m), offset=BERLIN) for m in range(minutes))

    assert taskiq_fires((2026, 3, 29)) == 0
    assert taskiq_fires((2026, 10, 25)) == 2
