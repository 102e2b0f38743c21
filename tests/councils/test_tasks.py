"""Beat tasks: idempotent, tolerant of running late or twice."""
from datetime import datetime

import pytest

from councils import tasks
from councils.models import Meeting
from councils.services import reminders
from councils.services import votes
from portal.models import Notification
from tests.councils.factories import TZ, at, build_council, make_meeting


@pytest.fixture
def c(bodies):
    return build_council(bodies["jx-base"], people=9, vice_chairs=3)


def written(c, closes_at, now):
    motion = votes.create_motion(c.council, actor=c.staff, title="书面表决")
    votes.request_written_vote(motion, actor=c.staff, closes_at=closes_at, now=now)
    return votes.approve_written_vote(motion, actor=c.chair, now=now)


@pytest.mark.django_db
def test_close_due_written_votes_runs_late_and_twice(c):
    closes = at(2026, 6, 20, 0)
    motion = written(c, closes, at(2026, 6, 15))
    for s in c.seats[:6]:
        votes.cast_ballot(motion, s, actor=s.holder, choice="yes", now=at(2026, 6, 16))
    assert votes.close_due_written_votes(now=at(2026, 6, 22)) == 1  # two days late
    assert votes.close_due_written_votes(now=at(2026, 6, 22)) == 0
    motion.refresh_from_db()
    assert (motion.status, motion.result, motion.closed_at) == ("closed", "passed", at(2026, 6, 22))


@pytest.mark.django_db
def test_reminder_once_one_working_day_before_only_to_non_voters(c):
    # deadline Fri 26 Jun 2026 24:00 (stored Sat 00:00): remind from Thu 25 Jun, once
    closes = datetime(2026, 6, 27, 0, 0, tzinfo=TZ)
    motion = written(c, closes, at(2026, 6, 22))
    voter = c.seats[0]
    votes.cast_ballot(motion, voter, actor=voter.holder, choice="yes", now=at(2026, 6, 23))
    assert votes.remind_written_votes(now=at(2026, 6, 24, 9)) == 0
    assert votes.remind_written_votes(now=at(2026, 6, 25, 9)) == 8
    assert votes.remind_written_votes(now=at(2026, 6, 25, 10)) == 0
    assert votes.remind_written_votes(now=at(2026, 6, 26, 9)) == 0
    reminded = Notification.objects.filter(kind="council_written_vote_reminder")
    assert reminded.count() == 8 and not reminded.filter(user=voter.holder).exists()


@pytest.mark.django_db
def test_reminder_counts_working_days_over_a_holiday(c):
    # deadline Fri 19 Jun 2026 (端午节, a holiday) 24:00: Thu 18 Jun is the only working day left on Wed 17
    closes = datetime(2026, 6, 20, 0, 0, tzinfo=TZ)
    written(c, closes, at(2026, 6, 15))
    assert votes.remind_written_votes(now=at(2026, 6, 16, 9)) == 0
    assert votes.remind_written_votes(now=at(2026, 6, 17, 9)) == 9


@pytest.mark.django_db
def test_reminder_when_first_run_is_after_the_day_before(c):
    closes = datetime(2026, 6, 20, 0, 0, tzinfo=TZ)
    written(c, closes, at(2026, 6, 15))
    assert votes.remind_written_votes(now=at(2026, 6, 19, 23)) == 9


@pytest.mark.django_db
def test_missing_assembly_warning_in_december_once_a_year(c):
    assert reminders.warn_missing_assembly(now=at(2026, 11, 30)) == 0
    assert reminders.warn_missing_assembly(now=at(2026, 12, 1)) == 1
    assert reminders.warn_missing_assembly(now=at(2026, 12, 2)) == 0
    assert Notification.objects.filter(kind="council_missing_assembly", user=c.staff).count() == 1


@pytest.mark.django_db
def test_no_missing_assembly_warning_when_a_plenary_is_scheduled(c):
    make_meeting(c, starts_at=at(2026, 12, 20), status=Meeting.Status.NOTIFIED)
    assert reminders.warn_missing_assembly(now=at(2026, 12, 1)) == 0
    # a draft does not count; a routine meeting does not count
    assert not Notification.objects.filter(kind="council_missing_assembly").exists()


@pytest.mark.django_db
def test_routine_meetings_do_not_count_as_assembly(c):
    make_meeting(c, starts_at=at(2026, 12, 20), status=Meeting.Status.CLOSED, kind=Meeting.Kind.ROUTINE)
    make_meeting(c, starts_at=at(2026, 12, 21), status=Meeting.Status.DRAFT)
    assert reminders.warn_missing_assembly(now=at(2026, 12, 1)) == 1


@pytest.mark.django_db
def test_task_entry_points_call_the_services(c, settings):
    assert tasks.close_due_written_votes() == 0
    assert tasks.remind_written_votes() == 0
    assert isinstance(tasks.warn_missing_assembly(), int)
    names = {v["task"] for v in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"councils.close-due-written-votes", "councils.remind-written-votes",
            "councils.warn-missing-assembly"} <= names
