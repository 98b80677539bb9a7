"""What a job may be, and what a scheduler that comes back late does with the occurrences it missed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistme.core.scheduling.entities import Job, JobSpec, JobType, MisfirePolicy
from assistme.core.scheduling.rules import MAX_CATCH_UP, MAX_MISSED_RECORDED, check_spec, next_fire, plan
from assistme.core.shared.errors import InvalidInput

NOW = datetime(2026, 5, 4, 12, 0, 30, tzinfo=UTC)
GRACE = timedelta(seconds=60)


def spec(**changes: Any) -> JobSpec:
    fields: dict[str, Any] = {
        "name": "water the plants",
        "type": JobType.NOTIFICATION,
        "cron_expression": "0 9 * * *",
        "run_at": None,
        "timezone": "Europe/Berlin",
        "payload": {"message": "the basil too"},
        "is_active": True,
        "misfire_policy": MisfirePolicy.RUN_ONCE,
    }
    return JobSpec(**(fields | changes))


def job(next_run_at: datetime | None, **changes: Any) -> Job:
    s = spec(**changes)
    assert s.timezone is not None
    return Job(
        id=uuid.uuid4(),
        owner_id=uuid.uuid4(),
        name=s.name,
        type=s.type,
        cron_expression=s.cron_expression,
        run_at=s.run_at,
        timezone=s.timezone,
        payload=s.payload,
        is_active=s.is_active,
        misfire_policy=s.misfire_policy,
        next_run_at=next_run_at,
        created_at=NOW,
        updated_at=NOW,
    )


def refused(field: str, **changes: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_spec(spec(**changes), NOW)
    assert [e.field for e in caught.value.errors] == [field]


def test_a_job_names_the_field_that_makes_it_unable_to_run() -> None:
    refused("cron_expression", cron_expression="every morning")
    refused("cron_expression", cron_expression=None)  # neither a schedule nor a time
    refused("cron_expression", run_at=NOW + timedelta(hours=1))  # both
    refused("timezone", timezone="Europe/Atlantis")
    refused("run_at", cron_expression=None, run_at=NOW - timedelta(seconds=1))
    refused("run_at", cron_expression=None, run_at=datetime(2027, 1, 1, 9))  # no offset
    refused("name", name="  ")
    refused("payload.message", payload={})
    refused("payload.message", payload={"message": "x" * 4001})
    refused("payload.colour", payload={"message": "hi", "colour": "red"})
    refused("payload.prompt", type=JobType.SCHEDULE, payload={"prompt": ""})
    refused("payload.assistant_id", type=JobType.SCHEDULE, payload={"prompt": "plan my day", "assistant_id": "nope"})
    check_spec(spec(type=JobType.SCHEDULE, payload={"prompt": "plan my day", "assistant_id": str(uuid.uuid4())}), NOW)


def test_a_one_off_that_already_ran_keeps_its_past_time_through_edits() -> None:
    past = NOW - timedelta(days=1)
    check_spec(spec(cron_expression=None, run_at=past), NOW, kept_run_at=past)
    with pytest.raises(InvalidInput):
        check_spec(spec(cron_expression=None, run_at=past - timedelta(seconds=1)), NOW, kept_run_at=past)


def test_a_paused_job_and_a_one_off_behind_us_have_no_next_fire() -> None:
    assert next_fire(job(None, is_active=False), NOW) is None
    assert next_fire(job(None, cron_expression=None, run_at=NOW - timedelta(minutes=1)), NOW) is None
    soon = NOW + timedelta(minutes=5)
    assert next_fire(job(None, cron_expression=None, run_at=soon), NOW) == soon
    assert next_fire(job(None), NOW) == datetime(2026, 5, 5, 7, 0, tzinfo=UTC)  # 09:00 in Berlin, summer time


def test_an_occurrence_on_time_runs_and_the_job_moves_to_its_next() -> None:
    due = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    occurrences, following = plan(job(due, cron_expression="* * * * *"), NOW, GRACE)
    assert [(o.scheduled_for, o.missed) for o in occurrences] == [(due, False)]
    assert following == datetime(2026, 5, 4, 12, 1, tzinfo=UTC)


def minutes_late(count: int, policy: MisfirePolicy) -> list[tuple[datetime, bool]]:
    """An every-minute job whose scheduler was away for ``count`` minutes before NOW's minute."""
    first = datetime(2026, 5, 4, 12, 0, tzinfo=UTC) - timedelta(minutes=count)
    occurrences, _ = plan(job(first, cron_expression="* * * * *", misfire_policy=policy), NOW, GRACE)
    return [(o.scheduled_for, o.missed) for o in occurrences]


def test_skip_records_every_missed_occurrence_and_runs_only_the_one_on_time() -> None:
    found = minutes_late(5, MisfirePolicy.SKIP)
    assert [missed for _, missed in found] == [True] * 5 + [False]


def test_run_once_runs_the_latest_missed_when_none_is_on_time() -> None:
    first = datetime(2026, 5, 4, 11, 0, tzinfo=UTC)
    later = NOW + timedelta(minutes=10)
    occurrences, following = plan(job(first, cron_expression="0 * * * *"), later, GRACE)  # 11:00 and 12:00 late
    assert [(o.scheduled_for.hour, o.missed) for o in occurrences] == [(11, True), (12, False)]
    assert following == datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
    assert [missed for _, missed in minutes_late(5, MisfirePolicy.RUN_ONCE)] == [True] * 5 + [False]


def test_run_all_catches_up_at_most_the_latest_ten() -> None:
    found = minutes_late(30, MisfirePolicy.RUN_ALL)
    ran = [t for t, missed in found if not missed]
    assert len(ran) == MAX_CATCH_UP + 1  # ten missed ones and the one on time
    assert ran == sorted(t for t, _ in found)[-len(ran) :]
    assert sum(missed for _, missed in found) == 30 - MAX_CATCH_UP


def test_a_long_outage_records_a_bounded_history() -> None:
    found = minutes_late(3 * 24 * 60, MisfirePolicy.SKIP)  # three days of an every-minute job
    assert sum(missed for _, missed in found) == MAX_MISSED_RECORDED
    assert max(t for t, _ in found) == datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_a_one_off_fires_once_even_when_late() -> None:
    at = NOW - timedelta(hours=2)
    occurrences, following = plan(job(at, cron_expression=None, run_at=at), NOW, GRACE)
    assert [(o.scheduled_for, o.missed) for o in occurrences] == [(at, False)]
    assert following is None
    skipped, _ = plan(job(at, cron_expression=None, run_at=at, misfire_policy=MisfirePolicy.SKIP), NOW, GRACE)
    assert [o.missed for o in skipped] == [True]
