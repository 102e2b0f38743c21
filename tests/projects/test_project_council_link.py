"""A project that needs the council's decision: the office's approval puts a motion on the
council's next meeting, and the vote's result drives the project."""
from datetime import timedelta

import pytest

from councils.models import Meeting, Motion
from councils.services import votes
from projects.models import Project
from projects.services import project_application as app
from projects.services.project_common import ProjectError, project_settings
from tests.councils.factories import build_council, make_meeting, mark_present
from tests.projects.conftest import at, make_draft

S = Project.Status


def _requires_council(world):
    s = project_settings(world.body)
    s.requires_council_decision = True
    s.save()


def _vote(built, motion, *, yes, start):
    meeting = motion.meeting
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.IN_PROGRESS, opened_at=start)
    mark_present(meeting, built.seats, at=start)
    motion = votes.open_motion(motion, actor=built.chair, now=start + timedelta(minutes=5))
    for i, seat in enumerate(built.seats):
        votes.cast_ballot(motion, seat, actor=built.voter(seat), choice="yes" if i < yes else "no",
                          now=start + timedelta(minutes=6))
    return votes.close_motion(motion, actor=built.chair, now=start + timedelta(minutes=10))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("yes, status", [(6, S.IN_NOTICE), (3, S.REJECTED)])
def test_council_vote_drives_the_project(world, yes, status):
    _requires_council(world)
    built = build_council(world.body, people=6, vice_chairs=3)
    start = at(2026, 3, 20, 9)
    make_meeting(built, starts_at=start, status=Meeting.Status.NOTIFIED)
    p = make_draft(world)
    app.submit_project(p, actor=world.owner)
    app.approve_project(p, actor=world.office, now=at(2026, 3, 2))
    p.refresh_from_db()
    motion = Motion.objects.get(subject_id=p.pk)
    assert p.status == S.AWAITING_COUNCIL and motion.meeting is not None and p.title in motion.title
    assert str(motion.number) in p.council_motion_ref

    motion = _vote(built, motion, yes=yes, start=start)
    p.refresh_from_db()
    assert p.status == status
    assert str(motion.number) in p.council_motion_ref


def test_approval_without_a_council_is_refused_and_changes_nothing(world):
    _requires_council(world)
    p = make_draft(world)
    app.submit_project(p, actor=world.owner)
    with pytest.raises(ProjectError, match="尚未设立理事会"):
        app.approve_project(p, actor=world.office)
    p.refresh_from_db()
    assert p.status == S.SUBMITTED and not Motion.objects.exists()
