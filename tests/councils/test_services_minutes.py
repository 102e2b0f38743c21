"""Minutes: drafted from the meeting, reviewed, signed by the convener only, locked by a hash,
distributed to every seat holder."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from councils.models import Meeting, Minutes
from councils.services import CouncilError
from councils.services import attendance as att
from councils.services import meetings
from councils.services import minutes as svc
from councils.services import votes
from portal.models import AuditEvent, Notification
from tests.councils.factories import at, build_council, make_meeting

T0 = at(2026, 6, 15, 9)


@pytest.fixture
def held(bodies):
    """A closed jx-base meeting with attendance (one late arrival, one early departure) and a passed vote."""
    c = build_council(bodies["jx-base"], people=21, vice_chairs=5)
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    for s in c.seats[:18]:
        att.check_in(m, s, actor=c.staff, attendee=s.holder, now=T0)
    att.check_in(m, c.seats[18], actor=c.staff, attendee=c.seats[18].holder, now=T0 + timedelta(minutes=30))
    att.check_out(m, c.seats[17], actor=c.staff, now=T0 + timedelta(minutes=40))
    motion = votes.create_motion(c.council, actor=c.staff, title="年度工作报告", meeting=m, public=True)
    motion = votes.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=45))
    for s in c.seats[:17] + c.seats[18:19]:
        votes.cast_ballot(motion, s, actor=s.holder, choice="yes", now=T0 + timedelta(minutes=50))
    votes.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=55))
    meetings.close_meeting(m, actor=c.chair, now=T0 + timedelta(hours=2))
    return c, m


@pytest.mark.django_db
def test_draft_fills_attendance_agenda_and_tallies(held):
    c, m = held
    minutes = svc.draft_minutes(m, actor=c.staff, text="会议审议通过年度工作报告。")
    content = minutes.content
    assert len(content["attendance"]) == 19
    late = next(a for a in content["attendance"] if a["seat"] == c.seats[18].pk)
    assert late["checked_in_at"] == (T0 + timedelta(minutes=30)).isoformat()
    early = next(a for a in content["attendance"] if a["seat"] == c.seats[17].pk)
    assert early["checked_out_at"] == (T0 + timedelta(minutes=40)).isoformat()
    (motion,) = content["motions"]
    assert motion["result"] == "passed" and motion["tally"]["yes"] == 18 and motion["resolution"]


@pytest.mark.django_db
def test_draft_only_after_the_meeting(bodies):
    c = build_council(bodies["jx-base"], people=5)
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    with pytest.raises(CouncilError, match="会议结束后"):
        svc.draft_minutes(m, actor=c.staff)


@pytest.mark.django_db
def test_only_the_convener_signs_and_signing_locks(held):
    c, m = held
    minutes = svc.draft_minutes(m, actor=c.staff, text="纪要正文")
    minutes = svc.submit_minutes(minutes, actor=c.staff)
    assert Notification.objects.filter(user=c.chair, kind="council_minutes_review").count() == 1
    with pytest.raises(PermissionDenied):
        svc.sign_minutes(minutes, actor=c.staff)
    with pytest.raises(PermissionDenied):
        svc.sign_minutes(minutes, actor=c.seats[3].holder)
    minutes = svc.sign_minutes(minutes, actor=c.chair, now=T0 + timedelta(days=1))
    assert (minutes.status, minutes.signed_by, minutes.signed_at) == ("signed", c.chair, T0 + timedelta(days=1))
    assert svc.verify_minutes(minutes) and len(minutes.content_hash) == 64
    assert AuditEvent.objects.get(action="council.minutes.sign").data["content_hash"] == minutes.content_hash
    with pytest.raises(CouncilError, match="已签发"):
        svc.draft_minutes(m, actor=c.staff, text="篡改")
    assert Minutes.objects.get(pk=minutes.pk).text == "纪要正文"


@pytest.mark.django_db
def test_tampered_minutes_are_detected_and_not_distributed(held):
    c, m = held
    minutes = svc.sign_minutes(svc.submit_minutes(svc.draft_minutes(m, actor=c.staff, text="正文"), actor=c.staff),
                               actor=c.chair)
    Minutes.objects.filter(pk=minutes.pk).update(text="被改过的正文")
    minutes.refresh_from_db()
    assert svc.verify_minutes(minutes) is False
    with pytest.raises(CouncilError, match="哈希不一致"):
        svc.distribute_minutes(minutes, actor=c.staff)


@pytest.mark.django_db
def test_distribute_notifies_every_seat_holder(held):
    c, m = held
    minutes = svc.sign_minutes(svc.submit_minutes(svc.draft_minutes(m, actor=c.staff, text="正文"), actor=c.staff),
                               actor=c.chair)
    minutes = svc.distribute_minutes(minutes, actor=c.staff)
    assert minutes.status == "distributed"
    assert Notification.objects.filter(kind="council_minutes_distributed").count() == 21


@pytest.mark.django_db
def test_submit_needs_text_and_review_can_be_returned(held):
    c, m = held
    minutes = svc.draft_minutes(m, actor=c.staff)
    with pytest.raises(CouncilError, match="纪要正文"):
        svc.submit_minutes(minutes, actor=c.staff)
    minutes = svc.draft_minutes(m, actor=c.staff, text="正文")
    minutes = svc.return_minutes(svc.submit_minutes(minutes, actor=c.staff), actor=c.staff)
    assert minutes.status == "draft"
