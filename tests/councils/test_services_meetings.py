"""Meetings: notice and the agenda window in working days, late items and the chair,
petitions for ad-hoc meetings, attendance intervals and the live quorum."""
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from councils.models import AgendaItem, Attendance, Meeting, Petition
from councils.services import CouncilError
from councils.services import attendance as att
from councils.services import meetings as svc
from portal.models import Notification
from portal.workflows import InvalidTransition
from tests.councils.factories import TZ, at, build_council, make_meeting, mark_present
from tests.factories import UserFactory

# Monday 14 Dec 2026; jx-base: items 5 working days before → window closes Mon 7 Dec 24:00
MEETING_AT = at(2026, 12, 14, 9)


@pytest.fixture
def jx(bodies):
    return bodies["jx-base"]


@pytest.fixture
def council(jx):
    return build_council(jx, units=21, vice_chairs=5, secretary_general=True)


@pytest.fixture
def notified(council):
    m = svc.create_meeting(council.council, actor=council.staff, title="2026年度理事大会", starts_at=MEETING_AT,
                           ends_at=MEETING_AT + timedelta(hours=3), convener=council.chair, place="南昌")
    return svc.notify_meeting(m, actor=council.staff, now=at(2026, 11, 30))


@pytest.mark.django_db
def test_notice_goes_to_every_seat_holder_and_computes_the_agenda_window(council, notified):
    assert notified.status == Meeting.Status.NOTIFIED
    assert notified.agenda_closes_at == datetime(2026, 12, 8, 0, 0, tzinfo=TZ)
    assert notified.policy_snapshot["agenda_lead_workdays"] == 5
    # 21 unit seats × (representative + substitute)
    assert Notification.objects.filter(kind="council_meeting_notified").count() == 42


@pytest.mark.django_db
def test_agenda_window_skips_holidays():
    # meeting Thu 8 Oct 2026 (after the National Day holiday 1–7 Oct and Mid-autumn 25–27 Sep):
    # 5 working days back are Sep 30, 29, 28, 24, 23 → closes at Wed 23 Sep 24:00
    closes, provisional = svc.agenda_closes_at(datetime(2026, 10, 8).date(), 5)
    assert closes == datetime(2026, 9, 24, 0, 0, tzinfo=TZ) and provisional is False


@pytest.mark.django_db
def test_meeting_needs_a_place_or_link_and_ordered_times(council):
    with pytest.raises(CouncilError, match="地点"):
        svc.create_meeting(council.council, actor=council.staff, title="会", starts_at=MEETING_AT,
                           ends_at=MEETING_AT + timedelta(hours=1), convener=council.chair)
    with pytest.raises(CouncilError, match="结束时间"):
        svc.create_meeting(council.council, actor=council.staff, title="会", starts_at=MEETING_AT,
                           ends_at=MEETING_AT, convener=council.chair, place="南昌")
    with pytest.raises(CouncilError, match="链接"):
        svc.create_meeting(council.council, actor=council.staff, title="会", starts_at=MEETING_AT,
                           ends_at=MEETING_AT + timedelta(hours=1), convener=council.chair, mode="online")
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_item_in_the_last_minute_is_on_time(council, notified):
    member = council.seats[10].representative
    item = svc.propose_agenda_item(notified, actor=member, title="年度预算", now=notified.agenda_closes_at
                                   - timedelta(minutes=1))
    assert (item.late, item.status, item.seat) == (False, AgendaItem.Status.PROPOSED, council.seats[10])


@pytest.mark.django_db
def test_late_item_waits_for_the_chair_and_only_the_chair_decides(council, notified):
    member = council.seats[10].representative
    item = svc.propose_agenda_item(notified, actor=member, title="追加议题", now=notified.agenda_closes_at)
    assert (item.late, item.status) == (True, AgendaItem.Status.PENDING_CHAIR)
    assert Notification.objects.filter(user=council.chair, kind="council_agenda_late").count() == 1
    with pytest.raises(PermissionDenied):
        svc.decide_agenda_item(item, actor=council.staff, accept=True)
    item = svc.decide_agenda_item(item, actor=council.chair, accept=True)
    assert (item.status, item.decided_by) == (AgendaItem.Status.ACCEPTED, council.chair)
    assert Notification.objects.filter(user=member, kind="council_agenda_decided").count() == 1


@pytest.mark.django_db
def test_outsider_cannot_propose(council, notified):
    with pytest.raises(PermissionDenied):
        svc.propose_agenda_item(notified, actor=UserFactory(), title="x", now=at(2026, 12, 1))


@pytest.mark.django_db
def test_notify_twice_is_an_invalid_transition(council, notified):
    with pytest.raises(InvalidTransition):
        svc.notify_meeting(notified, actor=council.staff, now=at(2026, 12, 1))


# ---------------------------------------------------------------------------
# petitions


@pytest.mark.django_db
def test_petition_reached_at_one_third_of_units_notifies_once(council):
    # 21 units: needs 7
    reps = [s.representative for s in council.seats]
    p = svc.start_petition(council.council, actor=reps[8], reason="讨论重大事项", now=at(2026, 5, 1))
    for rep in reps[9:14]:
        p = svc.sign_petition(p, actor=rep, now=at(2026, 5, 2))
    assert svc.petition_progress(p) == {"signed": 6, "units": 21, "needed": 7, "reached": False}
    assert p.status == Petition.Status.OPEN
    p = svc.sign_petition(p, actor=council.seats[14].substitute, now=at(2026, 5, 3))
    assert p.status == Petition.Status.REACHED and p.reached_at == at(2026, 5, 3)
    assert Notification.objects.filter(kind="council_petition_reached", user=council.chair).count() == 1
    assert Notification.objects.filter(kind="council_petition_reached", user=council.staff).count() == 1
    told = Notification.objects.filter(kind="council_petition_reached").count()
    svc.sign_petition(p, actor=reps[15], now=at(2026, 5, 4))
    assert Notification.objects.filter(kind="council_petition_reached").count() == told  # once


@pytest.mark.django_db
def test_a_unit_signs_once_and_individuals_cannot_sign(council, jx):
    p = svc.start_petition(council.council, actor=council.seats[8].representative, reason="临时会议")
    with pytest.raises(CouncilError, match="已签署"):
        svc.sign_petition(p, actor=council.seats[8].substitute)
    people = build_council(jx, people=3, name="个人委员会")
    with pytest.raises(PermissionDenied):
        svc.start_petition(people.council, actor=people.seats[1].holder, reason="x")


@pytest.mark.django_db
def test_convene_from_reached_petition_creates_an_ad_hoc_meeting(council):
    p = svc.start_petition(council.council, actor=council.seats[0].representative, reason="临时会议")
    for s in council.seats[1:7]:
        svc.sign_petition(p, actor=s.representative)
    m = svc.convene_from_petition(p, actor=council.staff, title="临时理事会", starts_at=MEETING_AT,
                                  ends_at=MEETING_AT + timedelta(hours=2), convener=council.chair, place="南昌")
    p.refresh_from_db()
    assert (m.ad_hoc, m.petition, p.status, p.meeting) == (True, p, Petition.Status.CONVENED, m)


# ---------------------------------------------------------------------------
# attendance and quorum


@pytest.mark.django_db
def test_quorum_by_presence_intervals_late_arrival_and_early_departure(jx):
    c = build_council(jx, people=21, vice_chairs=5)
    m = make_meeting(c, starts_at=MEETING_AT, status=Meeting.Status.IN_PROGRESS)
    vice = c.role("vice_chair")
    members = c.role("member")
    t0 = MEETING_AT
    # 13 present incl. 3 vice-chairs: one short of 14 (2/3 of 21)
    for s in vice[:3] + members[:10]:
        att.check_in(m, s, actor=c.staff, attendee=c.voter(s), now=t0)
    assert att.quorum_status(m, t0).ok is False
    late = members[10]
    att.check_in(m, late, actor=c.staff, attendee=c.voter(late), now=t0 + timedelta(minutes=20))
    assert att.quorum_status(m, t0 + timedelta(minutes=10)).ok is False
    v = att.quorum_status(m, t0 + timedelta(minutes=20))
    assert (v.ok, v.present, v.needed) == (True, 14, 14)
    # a vice-chair leaves early: 14 → 13 present and only 2 vice-chairs
    att.check_out(m, vice[0], actor=c.staff, now=t0 + timedelta(hours=1))
    v = att.quorum_status(m, t0 + timedelta(hours=1))
    assert v.ok is False and [p.ok for p in v.parts] == [False, False]
    assert str(v) == "出席 13/21，需 14（且副理事长 ≥ 3：到 2）"


@pytest.mark.django_db
def test_composite_quorum_fails_only_on_vice_chairs(jx):
    c = build_council(jx, people=21, vice_chairs=5)
    m = make_meeting(c, starts_at=MEETING_AT, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.role("vice_chair")[:2] + c.role("member"))
    v = att.quorum_status(m, MEETING_AT)
    assert [p.ok for p in v.parts] == [True, False]
    assert v.ok is False


@pytest.mark.django_db
def test_substitute_and_representative_never_both_present(council):
    m = make_meeting(council, starts_at=MEETING_AT, status=Meeting.Status.IN_PROGRESS)
    seat = council.seats[9]
    row = att.check_in(m, seat, actor=council.staff, attendee=seat.substitute, now=MEETING_AT)
    assert row.as_substitute is True
    with pytest.raises(CouncilError, match="不能同时出席"):
        att.check_in(m, seat, actor=council.staff, attendee=seat.representative, now=MEETING_AT)
    att.check_out(m, seat, actor=seat.substitute, now=MEETING_AT + timedelta(minutes=30))
    row = att.check_in(m, seat, actor=council.staff, attendee=seat.representative,
                       now=MEETING_AT + timedelta(minutes=31))
    assert row.as_substitute is False
    assert Attendance.objects.filter(meeting=m, seat=seat).count() == 2


@pytest.mark.django_db
def test_self_check_in_needs_the_token_and_the_window(council):
    m = make_meeting(council, starts_at=MEETING_AT, status=Meeting.Status.NOTIFIED)
    seat = council.seats[5]
    rep = seat.representative
    with pytest.raises(PermissionDenied):
        att.check_in(m, seat, actor=rep, method="qr", token="wrong", now=MEETING_AT)
    with pytest.raises(CouncilError, match="签到时间"):
        att.check_in(m, seat, actor=rep, method="qr", token=m.checkin_token, now=MEETING_AT - timedelta(hours=2))
    row = att.check_in(m, seat, actor=rep, method="qr", token=m.checkin_token, now=MEETING_AT - timedelta(minutes=5))
    assert row.method == "qr"
    with pytest.raises(CouncilError):
        att.check_in(m, council.seats[6], actor=rep, method="link", token=m.checkin_token, now=MEETING_AT)


@pytest.mark.django_db
def test_members_cannot_check_in_others_by_staff_method(council):
    m = make_meeting(council, starts_at=MEETING_AT, status=Meeting.Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        att.check_in(m, council.seats[3], actor=council.seats[4].representative,
                     attendee=council.seats[3].representative, now=MEETING_AT)


@pytest.mark.django_db
def test_close_meeting_checks_everyone_out(council):
    m = make_meeting(council, starts_at=MEETING_AT, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, council.seats[:15])
    end = MEETING_AT + timedelta(hours=2)
    svc.close_meeting(m, actor=council.chair, now=end)
    assert not Attendance.objects.filter(meeting=m, checked_out_at__isnull=True).exists()
    m.refresh_from_db()
    assert (m.status, m.closed_at) == (Meeting.Status.CLOSED, end)


@pytest.mark.django_db
def test_cancel_notified_meeting_tells_seat_holders(council, notified):
    svc.cancel_meeting(notified, actor=council.staff, reason="改期")
    assert Notification.objects.filter(kind="council_meeting_cancelled").count() == 42
