"""Votes: opening only while quorate, frozen roster and rule, one ballot per seat, changes,
secret ballots, exact tallies at the boundaries, resolutions, elections, recall, unit admission,
written votes, and the motion_closed signal."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from councils.models import Ballot, Meeting, MemberUnit, Motion, Resolution, Seat, UnitApplication
from councils.services import CouncilError
from councils.services import membership
from councils.services import votes as svc
from councils import selectors
from councils.signals import motion_closed
from portal import audit
from portal.models import AuditEvent, Notification
from tests.councils.factories import at, build_council, make_meeting, mark_present
from tests.factories import UserFactory

T0 = at(2026, 6, 15, 9)


@pytest.fixture
def jx(bodies):
    return bodies["jx-base"]


@pytest.fixture
def c(jx):
    # 21 individual seats: chair, 5 vice-chairs, 15 members
    return build_council(jx, people=21, vice_chairs=5)


def meeting_with(c, present):
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, present)
    return m


def open_vote(c, m, kind="ordinary", **kw):
    motion = svc.create_motion(c.council, actor=c.staff, title="关于年度计划的决议", kind=kind, meeting=m, **kw)
    return svc.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=5))


def vote_all(motion, seats, choice):
    for s in seats:
        svc.cast_ballot(motion, s, actor=s.holder or s.representative, choice=choice, now=T0 + timedelta(minutes=6))


@pytest.mark.django_db
def test_vote_cannot_open_without_quorum(c):
    m = meeting_with(c, c.seats[:13])  # 13 of 21, needs 14
    motion = svc.create_motion(c.council, actor=c.staff, title="议案", meeting=m)
    with pytest.raises(CouncilError, match="未达到法定人数.*出席 13/21，需 14"):
        svc.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=5))
    assert Motion.objects.get(pk=motion.pk).status == Motion.Status.DRAFT


@pytest.mark.django_db
def test_vote_cannot_open_when_only_vice_chairs_are_missing(c):
    m = meeting_with(c, c.seats[:1] + c.seats[1:3] + c.seats[6:])  # 18 present, 2 vice-chairs
    motion = svc.create_motion(c.council, actor=c.staff, title="议案", meeting=m)
    with pytest.raises(CouncilError, match="副理事长 ≥ 3：到 2"):
        svc.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=5))


@pytest.mark.django_db
def test_members_cannot_open_a_vote(c):
    m = meeting_with(c, c.seats)
    motion = svc.create_motion(c.council, actor=c.staff, title="议案", meeting=m)
    with pytest.raises(PermissionDenied):
        svc.open_motion(motion, actor=c.seats[10].holder, now=T0 + timedelta(minutes=5))


@pytest.mark.django_db
def test_open_freezes_roster_and_rule(c, jx):
    m = meeting_with(c, c.seats[:15])
    motion = open_vote(c, m)
    assert motion.rule["base"] == "present" and (motion.rule["num"], motion.rule["den"]) == (2, 3)
    assert motion.rule["quorum"]["ok"] is True
    assert (motion.members_count, motion.present_count) == (21, 15)
    assert [r["seat"] for r in motion.roster] == [s.pk for s in c.seats[:15]]
    assert len(motion.roster_hash) == 64
    # editing the policy later does not change the running vote
    jx.policy.pass_num, jx.policy.pass_den = 1, 2
    jx.policy.save()
    vote_all(motion, c.seats[:9], "yes")
    vote_all(motion, c.seats[9:15], "no")
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    assert motion.result == Motion.Result.FAILED  # 9 of 15 < 2/3 (would pass at 1/2)


@pytest.mark.django_db
def test_passes_at_exactly_two_thirds_of_present_abstentions_in_base(c):
    m = meeting_with(c, c.seats)  # 21 present
    motion = open_vote(c, m, public=True)
    vote_all(motion, c.seats[:14], "yes")
    vote_all(motion, c.seats[14:18], "abstain")
    vote_all(motion, c.seats[18:20], "no")      # one present seat does not vote
    live = selectors.tally(motion)
    assert (live["yes"], live["abstain"], live["no"], live["base"], live["needed"]) == (14, 4, 2, 21, 14)
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    assert motion.result == Motion.Result.PASSED
    assert motion.tally["summary"] == "通过：出席 21 人中同意 14 票，需 14 票"
    assert motion.tally["not_voted"] == 1
    res = Resolution.objects.get(motion=motion)
    assert res.number == "测理决〔2026〕1号" and res.public and res.published_at is not None
    event = AuditEvent.objects.get(action="council.motion.close", target_id=str(motion.pk))
    assert event.data["result"] == "passed" and event.data["roster_hash"] == motion.roster_hash


@pytest.mark.django_db
def test_fails_one_below_two_thirds_of_present(c):
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m)
    vote_all(motion, c.seats[:13], "yes")
    vote_all(motion, c.seats[13:], "abstain")
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    assert motion.result == Motion.Result.FAILED
    assert motion.tally["summary"] == "未通过：出席 21 人中同意 13 票，需 14 票"
    assert not Resolution.objects.exists()


@pytest.mark.django_db
def test_major_matter_with_many_absentees(jx):
    c = build_council(jx, people=27, vice_chairs=5)
    m = meeting_with(c, c.seats[:18])  # exactly 2/3 of 27 present
    motion = open_vote(c, m, kind="major")
    vote_all(motion, c.seats[:17], "yes")
    vote_all(motion, c.seats[17:18], "no")
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    assert motion.result == Motion.Result.FAILED
    assert motion.tally["summary"] == "未通过：全体 27 人中同意 17 票，需 18 票"


@pytest.mark.django_db
def test_one_ballot_per_seat_change_is_audited(c):
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m)
    seat = c.seats[7]
    svc.cast_ballot(motion, seat, actor=seat.holder, choice="no", now=T0 + timedelta(minutes=6))
    b = svc.cast_ballot(motion, seat, actor=seat.holder, choice="yes", now=T0 + timedelta(minutes=7))
    assert (b.choice, b.changes, b.changed_at) == ("yes", 1, T0 + timedelta(minutes=7))
    assert Ballot.objects.filter(motion=motion).count() == 1
    change = AuditEvent.objects.get(action="council.ballot.change")
    assert change.data["before"] == "no" and change.data["after"] == "yes"


@pytest.mark.django_db
def test_secret_ballot_choice_never_in_audit(c):
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m, secret=True)
    seat = c.seats[7]
    svc.cast_ballot(motion, seat, actor=seat.holder, choice="no")
    svc.cast_ballot(motion, seat, actor=seat.holder, choice="yes")
    for e in AuditEvent.objects.filter(action__startswith="council.ballot"):
        assert "choice" not in e.data and "before" not in e.data and "after" not in e.data


@pytest.mark.django_db
def test_only_roster_seats_and_their_people_vote(c):
    m = meeting_with(c, c.seats[:15])
    motion = open_vote(c, m)
    late = c.seats[16]
    mark_present(m, [late], at=T0 + timedelta(minutes=8))
    with pytest.raises(CouncilError, match="名册"):
        svc.cast_ballot(motion, late, actor=late.holder, choice="yes")
    with pytest.raises(PermissionDenied):
        svc.cast_ballot(motion, c.seats[3], actor=c.seats[4].holder, choice="yes")
    with pytest.raises(CouncilError, match="同意、反对或弃权"):
        svc.cast_ballot(motion, c.seats[3], actor=c.seats[3].holder, choice="maybe")


@pytest.mark.django_db
def test_unit_representative_or_substitute_never_both(jx):
    c = build_council(jx, units=21, vice_chairs=5)
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m)
    seat = c.seats[9]
    svc.cast_ballot(motion, seat, actor=seat.substitute, choice="yes")
    with pytest.raises(CouncilError, match="不能都投票"):
        svc.cast_ballot(motion, seat, actor=seat.representative, choice="no")
    assert Ballot.objects.get(motion=motion, seat=seat).cast_by == seat.substitute


@pytest.mark.django_db
def test_no_ballot_after_close(c):
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m)
    svc.close_motion(motion, actor=c.staff, now=T0 + timedelta(minutes=10))
    with pytest.raises(CouncilError, match="未在进行"):
        svc.cast_ballot(motion, c.seats[0], actor=c.seats[0].holder, choice="yes")


@pytest.mark.django_db
def test_motion_closed_signal_after_commit(c, django_capture_on_commit_callbacks):
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m)
    vote_all(motion, c.seats, "yes")
    got = []

    def receiver(sender, motion, passed, **kw):
        got.append((motion.pk, passed))

    motion_closed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    finally:
        motion_closed.disconnect(receiver)
    assert got == [(motion.pk, True)]
    # a meeting vote's result now reaches every seat holder too
    assert Notification.objects.filter(kind="council_motion_result").count() == 21


@pytest.mark.django_db
def test_resolution_numbers_run_per_council_and_year(c):
    m = meeting_with(c, c.seats)
    numbers = []
    for _i in range(2):
        motion = open_vote(c, m)
        vote_all(motion, c.seats, "yes")
        svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
        numbers.append(motion.resolution.number)
    assert numbers == ["测理决〔2026〕1号", "测理决〔2026〕2号"]
    res = Resolution.objects.get(number=numbers[0])
    assert res.public is False
    svc.publish_resolution(res, actor=c.staff)
    assert list(selectors.public_resolutions()) == [Resolution.objects.get(pk=res.pk)]


# ---------------------------------------------------------------------------
# elections, recall, unit admission


@pytest.mark.django_db
def test_election_fills_the_seat_and_ends_the_previous_one(jx):
    c = build_council(jx, people=21, vice_chairs=4)
    m = meeting_with(c, c.seats)
    a, b = c.seats[10], c.seats[11]
    motion = svc.create_motion(c.council, actor=c.staff, title="增选副理事长", kind="election", meeting=m,
                               candidates=[a.holder, b.holder], seats_to_fill=1, role_to_fill="vice_chair",
                               secret=True)
    motion = svc.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=5))
    ca, cb = motion.candidates.order_by("pk")
    for i, s in enumerate(c.seats):
        yes_a = i < 15
        svc.cast_ballot(motion, s, actor=s.holder, choices={ca.pk: "yes" if yes_a else "no",
                                                             cb.pk: "no" if yes_a else "yes"})
    with pytest.raises(CouncilError, match="不能多于应选人数"):
        svc.cast_ballot(motion, c.seats[0], actor=c.seats[0].holder, choices={ca.pk: "yes", cb.pk: "yes"})
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=20))
    assert motion.result == Motion.Result.PASSED
    rows = {r["name"]: r for r in motion.tally["candidates"]}
    assert rows[ca.name]["elected"] and not rows[cb.name]["elected"]
    assert rows[ca.name]["yes"] == 15 and rows[ca.name]["needed"] == 14
    new = Seat.objects.get(council=c.council, holder=a.holder, status="active")
    assert (new.role, new.elected_by) == ("vice_chair", motion)
    assert Seat.objects.get(pk=a.pk).status == "ended"


@pytest.mark.django_db
def test_election_below_the_threshold_elects_nobody(c):
    m = meeting_with(c, c.seats)
    motion = svc.create_motion(c.council, actor=c.staff, title="选举秘书长", kind="election", meeting=m,
                               candidates=[c.seats[12].holder], seats_to_fill=1, role_to_fill="secretary_general")
    motion = svc.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=5))
    cand = motion.candidates.get()
    for i, s in enumerate(c.seats):
        svc.cast_ballot(motion, s, actor=s.holder, choices={cand.pk: "yes" if i < 13 else "abstain"})
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=20))
    assert motion.result == Motion.Result.FAILED
    assert not Seat.objects.filter(role="secretary_general").exists()


@pytest.mark.django_db
def test_recall_passes_with_two_thirds_of_all_and_ends_the_seat(c):
    m = meeting_with(c, c.seats)
    target = c.seats[2]
    motion = open_vote(c, m, kind="recall", target_seat=target)
    vote_all(motion, c.seats[:14], "yes")
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    assert motion.result == Motion.Result.PASSED
    target.refresh_from_db()
    assert (target.status, target.end_reason) == ("ended", "罢免")


@pytest.mark.django_db
def test_unit_admission_motion_admits_the_unit(jx):
    c = build_council(jx, units=21, vice_chairs=5)
    app = membership.submit_unit_application(c.council, actor=UserFactory(), unit_name="新申请单位",
                                             contact_name="王五", contact_phone="13800000000")
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m, kind="unit_admission", unit_application=app)
    assert UnitApplication.objects.get(pk=app.pk).status == "scheduled"
    vote_all(motion, c.seats[:15], "yes")
    svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    unit = MemberUnit.objects.get(name="新申请单位")
    assert unit.admitted_by_motion == motion
    assert UnitApplication.objects.get(pk=app.pk).status == "admitted"


# ---------------------------------------------------------------------------
# written votes


@pytest.mark.django_db
def test_written_vote_needs_the_chair_and_uses_all_members_as_base(c):
    motion = svc.create_motion(c.council, actor=c.staff, title="书面表决事项")
    closes = T0 + timedelta(days=3)
    motion = svc.request_written_vote(motion, actor=c.staff, closes_at=closes, now=T0)
    assert motion.status == Motion.Status.PENDING_CHAIR
    assert Notification.objects.filter(user=c.chair, kind="council_written_vote_request").count() == 1
    with pytest.raises(PermissionDenied):
        svc.approve_written_vote(motion, actor=c.staff, now=T0)
    motion = svc.approve_written_vote(motion, actor=c.chair, now=T0)
    assert motion.rule["base"] == "all" and motion.members_count == 21 and len(motion.roster) == 21
    assert motion.chair_approved_by == c.chair
    vote_all(motion, c.seats[:13], "yes")
    with pytest.raises(CouncilError, match="不能提前结束"):
        svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(days=1))
    assert svc.close_due_written_votes(now=closes - timedelta(seconds=1)) == 0
    assert svc.close_due_written_votes(now=closes) == 1
    assert svc.close_due_written_votes(now=closes + timedelta(hours=1)) == 0
    motion.refresh_from_db()
    assert motion.result == Motion.Result.FAILED
    assert motion.tally["summary"] == "未通过：全体 21 人中同意 13 票，需 14 票"
    assert Notification.objects.filter(kind="council_motion_result").count() == 21


@pytest.mark.django_db
def test_written_vote_refused_when_policy_forbids(bodies):
    c = build_council(bodies["jm-storage"], people=9)
    motion = svc.create_motion(c.council, actor=c.staff, title="书面表决")
    with pytest.raises(CouncilError, match="不允许书面"):
        svc.request_written_vote(motion, actor=c.staff, closes_at=T0 + timedelta(days=2), now=T0)


@pytest.mark.django_db
def test_no_ballot_after_written_deadline(c):
    motion = svc.create_motion(c.council, actor=c.staff, title="书面表决事项")
    closes = T0 + timedelta(days=3)
    svc.request_written_vote(motion, actor=c.staff, closes_at=closes, now=T0)
    motion = svc.approve_written_vote(motion, actor=c.chair, now=T0)
    with pytest.raises(CouncilError, match="截止"):
        svc.cast_ballot(motion, c.seats[0], actor=c.seats[0].holder, choice="yes", now=closes)


@pytest.mark.django_db
def test_propose_motion_goes_on_the_next_notified_meeting(c):
    soon = make_meeting(c, starts_at=T0 + timedelta(days=10), status=Meeting.Status.NOTIFIED)
    make_meeting(c, starts_at=T0 + timedelta(days=30), status=Meeting.Status.NOTIFIED)
    subject = c.seats[0]  # any model instance serves as a subject
    motion = svc.propose_motion(c.council, actor=c.staff, title="项目立项", text="……", subject=subject, now=T0)
    assert motion.meeting == soon and motion.subject == subject and motion.status == "draft"
    none = svc.propose_motion(c.council, actor=c.staff, title="项目结项", text="……",
                              now=T0 + timedelta(days=60))
    assert none.meeting is None


@pytest.mark.django_db
def test_vote_lifecycle_keeps_the_audit_chain_valid(c):
    m = meeting_with(c, c.seats)
    motion = open_vote(c, m, public=True)
    vote_all(motion, c.seats[:15], "yes")
    svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=10))
    (report,) = audit.verify(["jx-base"])
    assert report.ok and report.length >= 18


@pytest.mark.django_db
def test_chair_election_replaces_the_sitting_chair_who_keeps_a_member_seat(c):
    m = meeting_with(c, c.seats)
    old_chair, winner = c.seats[0], c.seats[1]
    motion = svc.create_motion(c.council, actor=c.staff, title="选举理事长", kind="election", meeting=m,
                               candidates=[winner.holder], seats_to_fill=1, role_to_fill="chair")
    motion = svc.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=5))
    cand = motion.candidates.get()
    for s in c.seats:
        svc.cast_ballot(motion, s, actor=s.holder, choices={cand.pk: "yes"})
    motion = svc.close_motion(motion, actor=c.staff, now=T0 + timedelta(minutes=20))
    assert "problems" not in motion.tally
    active = {s.holder_id: s.role for s in Seat.objects.filter(council=c.council, status="active")}
    assert active[winner.holder_id] == "chair" and active[old_chair.holder_id] == "member"
    assert len(active) == 21


@pytest.mark.django_db
def test_election_over_the_leaders_limit_is_recorded_not_applied(jx):
    # 12 units, leaders at most 4: chair + 3 vice-chairs already; electing one more vice-chair is refused
    c = build_council(jx, units=12, vice_chairs=3)
    m = meeting_with(c, c.seats)
    cand_seat = c.seats[5]
    motion = svc.create_motion(c.council, actor=c.staff, title="增选副理事长", kind="election", meeting=m,
                               candidates=[cand_seat.unit], seats_to_fill=1, role_to_fill="vice_chair")
    motion = svc.open_motion(motion, actor=c.staff, now=T0 + timedelta(minutes=5))
    cand = motion.candidates.get()
    for s in c.seats:
        svc.cast_ballot(motion, s, actor=s.representative, choices={cand.pk: "yes"})
    motion = svc.close_motion(motion, actor=c.staff, now=T0 + timedelta(minutes=20))
    assert motion.result == "passed"
    assert "不得超过成员单位数" in motion.tally["problems"][0]["error"]
    assert Seat.objects.get(pk=cand_seat.pk).status == "active"  # unchanged


@pytest.mark.django_db
def test_meeting_vote_result_reaches_200_seat_holders_in_constant_queries(jx, django_assert_max_num_queries,
                                                                         django_capture_on_commit_callbacks):
    """The result of a meeting vote is notified to every seat holder; notify.later is set-based,
    so closing the motion costs the same number of queries for 21 and for 200 seats."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def close(built):
        m = meeting_with(built, built.seats)
        motion = open_vote(built, m)
        vote_all(motion, built.seats[: len(built.seats) // 2 + 1], "yes")
        with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=False):
            started = time.perf_counter()
            svc.close_motion(motion, actor=built.staff, now=T0 + timedelta(minutes=10))
            elapsed = time.perf_counter() - started
        return motion, len(ctx), elapsed

    small, small_queries, _ = close(build_council(jx, people=21, vice_chairs=5, number_prefix="小"))
    big_council = build_council(jx, people=200, vice_chairs=5, number_prefix="大", name="大理事会")
    m = meeting_with(big_council, big_council.seats)
    motion = open_vote(big_council, m)
    vote_all(motion, big_council.seats[:101], "yes")
    with django_capture_on_commit_callbacks(execute=False), django_assert_max_num_queries(small_queries):
        started = time.perf_counter()
        svc.close_motion(motion, actor=big_council.staff, now=T0 + timedelta(minutes=10))
        elapsed = time.perf_counter() - started
    print(f"close_motion, 200 seats: {small_queries} queries, {elapsed:.3f} s")
    assert elapsed < 2.0  # about 0.1-0.2 s on the dev box; was 13.5 s with one round trip per recipient
    for motion, n in ((small, 21), (motion, 200)):
        results = Notification.objects.filter(kind="council_motion_result", url=motion.get_absolute_url())
        assert results.count() == n
        assert results.filter(subject__contains=motion.title).count() == n
