"""Notifications reach each recipient in the recipient's language, whatever language the acting
user works in: an English-speaking actor notifies a zh-hans user and vice versa. One call site
per app (portal roles, experts change reports, councils vote results, projects submission)."""
from datetime import date, timedelta

import pytest
from django.utils import translation

from portal.models import Notification, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
OTHER = {"en": "zh-hans", "zh-hans": "en"}
BOTH = pytest.mark.parametrize("recipient_language", ["zh-hans", "en"])


def subject_of(user, kind):
    return Notification.objects.get(user=user, kind=kind).subject


@BOTH
def test_portal_role_granted(bodies, recipient_language):
    from portal.roles import grant_role

    body = bodies["jx-base"]
    user = UserFactory(preferred_language=recipient_language)
    admin = UserFactory(is_superuser=True, preferred_language=OTHER[recipient_language])
    with translation.override(admin.preferred_language):
        grant_role(user, body, Role.SECRETARIAT, actor=admin)
    expected = {"zh-hans": f"您已获得“{body.name_zh}”的秘书处（工作人员）角色",
                "en": "You have been given the "}[recipient_language]
    subject = subject_of(user, "role_granted")
    assert subject.startswith(expected)
    assert ("秘书处" in subject) is (recipient_language == "zh-hans")  # the role label too


@BOTH
def test_experts_change_acknowledged(pools, recipient_language):
    from experts.models import ChangeReport
    from experts.services import changes
    from tests.experts.lifecycle_helpers import at, expert_in, pdf, staff_of

    xx = pools["xx-random"]
    sec = staff_of(xx)
    expert = expert_in(xx)
    expert.user.preferred_language = recipient_language
    expert.user.save(update_fields=["preferred_language"])
    sec.preferred_language = OTHER[recipient_language]
    sec.save(update_fields=["preferred_language"])
    report = changes.file_change(expert, actor=expert.user, now=at(2026, 10, 9), kind=ChangeReport.Kind.EMPLOYER,
                                 new_value="新县智能制造研究院", effective_date=date(2026, 9, 28), proof=pdf())
    with translation.override(sec.preferred_language):
        changes.acknowledge(report, actor=sec, now=at(2026, 10, 12))
    # the choice label (get_kind_display) is in the recipient's language as well
    assert subject_of(expert.user, "change_acknowledged") == {
        "zh-hans": "您报告的工作单位变更已确认",
        "en": "Your reported change has been confirmed: Employer"}[recipient_language]


@BOTH
def test_councils_vote_result(bodies, recipient_language):
    from councils.models import Meeting
    from councils.services import votes
    from tests.councils.factories import at, build_council, make_meeting, mark_present

    built = build_council(bodies["jx-base"], people=8, vice_chairs=3)
    for seat in built.seats:
        seat.holder.preferred_language = recipient_language
        seat.holder.save(update_fields=["preferred_language"])
    t0 = at(2026, 6, 15, 9)
    meeting = make_meeting(built, starts_at=t0, status=Meeting.Status.IN_PROGRESS)
    mark_present(meeting, built.seats)
    with translation.override(OTHER[recipient_language]):
        motion = votes.create_motion(built.council, actor=built.staff, title="年度计划", meeting=meeting)
        motion = votes.open_motion(motion, actor=built.chair, now=t0 + timedelta(minutes=5))
        for seat in built.seats:
            votes.cast_ballot(motion, seat, actor=seat.holder, choice="yes", now=t0 + timedelta(minutes=6))
        votes.close_motion(motion, actor=built.staff, now=t0 + timedelta(minutes=10))
    expected = {"zh-hans": "表决结果：年度计划（通过）", "en": "Vote result: 年度计划 (Passed)"}[recipient_language]
    assert {subject_of(s.holder, "council_motion_result") for s in built.seats} == {expected}


@BOTH
def test_projects_submitted(bodies, recipient_language):
    from projects.services import project_application as app
    from tests.projects.conftest import at, make_draft, world

    w = world.__wrapped__(bodies)
    w.office.preferred_language = recipient_language
    w.office.save(update_fields=["preferred_language"])
    project = make_draft(w)
    with translation.override(OTHER[recipient_language]):
        app.submit_project(project, actor=w.owner, now=at(2026, 3, 2))
    n = Notification.objects.get(user=w.office, kind="project_submitted")
    assert n.subject == {"zh-hans": f"项目申报待审核：{project.title}",
                         "en": f"Project application awaiting review: {project.title}"}[recipient_language]
    # the wrapper's default text is formatted in the recipient's language too (nested lazy subject)
    assert (n.text.startswith(w.org.name)) and (("请审核" in n.text) is (recipient_language == "zh-hans"))
