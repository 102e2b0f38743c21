"""Selectors: results and constant query counts whatever the size."""
from datetime import date, timedelta

import pytest

from councils import selectors
from councils.models import Meeting, Motion
from councils.services import meetings
from councils.services import votes
from tests.councils.factories import at, build_council, make_meeting, mark_present

T0 = at(2026, 6, 15, 9)


def arranged(body, n, present):
    c = build_council(body, people=n, vice_chairs=min(5, n - 1), name=f"理事会{n}")
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.seats[:present])
    return c, m


@pytest.mark.django_db
@pytest.mark.parametrize("n,present", [(4, 3), (120, 90)])
def test_meeting_detail_constant_queries(bodies, django_assert_max_num_queries, n, present):
    c, m = arranged(bodies["jx-base"], n, present)
    with django_assert_max_num_queries(6):
        d = selectors.meeting_detail(m, at=T0 + timedelta(minutes=1))
        assert d.present_count == present and d.members_count == n
        assert (d.verdict.present, d.verdict.members) == (present, n)
        [s.occupant_name for s in d.seats]
        [i.proposed_by.name for i in d.agenda]


@pytest.mark.django_db
def test_meeting_detail_reports_the_composite_verdict(bodies):
    c, m = arranged(bodies["jx-base"], 21, 0)
    mark_present(m, c.seats[:1] + c.seats[1:3] + c.seats[6:])
    d = selectors.meeting_detail(m, at=T0 + timedelta(minutes=1))
    assert str(d.verdict) == "出席 18/21，需 14（且副理事长 ≥ 3：到 2）"
    assert set(d.present) == {s.pk for s in c.seats[:3] + c.seats[6:]}


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, 150])
def test_tally_is_two_queries_at_most(bodies, django_assert_max_num_queries, n):
    c, m = arranged(bodies["jm-storage"], n, n)
    motion = votes.open_motion(votes.create_motion(c.council, actor=c.staff, title="议案", meeting=m),
                               actor=c.chair, now=T0 + timedelta(minutes=1))
    for s in c.seats:
        votes.cast_ballot(motion, s, actor=s.holder, choice="yes")
    motion.refresh_from_db()
    with django_assert_max_num_queries(1):
        t = selectors.tally(motion)
    assert (t["yes"], t["cast"], t["base"], t["would_pass"]) == (n, n, n, True)


@pytest.mark.django_db
def test_petition_rows_and_councils_for(bodies):
    c = build_council(bodies["jx-base"], units=9)
    p = meetings.start_petition(c.council, actor=c.seats[0].representative, reason="临时会议")
    meetings.sign_petition(p, actor=c.seats[1].substitute)
    (row,) = selectors.petition_rows(c.council)
    assert (row["signed"], row["units"], row["needed"], row["reached"]) == (2, 9, 3, False)
    assert list(selectors.councils_for(c.seats[1].substitute)) == [c.council]
    assert list(selectors.councils_for(c.staff)) == [c.council]


@pytest.mark.django_db
def test_absent_units_over_one_year(bodies):
    c = build_council(bodies["jx-base"], units=4, term_start=date(2024, 1, 1))
    m = make_meeting(c, starts_at=at(2026, 3, 1), status=Meeting.Status.CLOSED)
    mark_present(m, c.seats[:2])
    old = make_meeting(c, starts_at=at(2025, 1, 10), status=Meeting.Status.CLOSED)  # outside the year
    mark_present(old, c.seats[2:3])
    assert selectors.absent_units(c.council, today=date(2026, 6, 1)) == [c.units[2], c.units[3]]
    # no meeting in the last year: nobody is flagged
    assert selectors.absent_units(c.council, today=date(2027, 6, 1)) == []


@pytest.mark.django_db
def test_unit_representative_holding_the_chair_may_open_votes(bodies):
    c = build_council(bodies["jx-base"], units=21, vice_chairs=5)
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.seats)
    motion = votes.create_motion(c.council, actor=c.staff, title="议案", meeting=m)
    motion = votes.open_motion(motion, actor=c.chair_seat.representative, now=T0 + timedelta(minutes=1))
    assert motion.status == "open"


@pytest.mark.django_db
def test_leaders_status_after_units_leave(bodies):
    from councils.services import membership

    c = build_council(bodies["jx-base"], units=12, vice_chairs=3)
    assert selectors.leaders_status(c.council).ok is True  # 4 of 12
    membership.remove_unit(c.units[-1], actor=c.staff, reason="voluntary")
    v = selectors.leaders_status(c.council)
    assert (v.ok, v.present, v.members, v.needed) == (False, 4, 11, 3)
    assert selectors.leaders_status(build_council(bodies["jm-storage"], people=3).council) is None


@pytest.mark.django_db
def test_roster_hash_detects_an_edited_roster(bodies):
    c, m = arranged(bodies["jm-storage"], 9, 9)
    motion = votes.open_motion(votes.create_motion(c.council, actor=c.staff, title="议案", meeting=m),
                               actor=c.staff, now=T0 + timedelta(minutes=1))
    assert selectors.roster_intact(motion) is True
    Motion.objects.filter(pk=motion.pk).update(present_count=8)
    motion.refresh_from_db()
    assert selectors.roster_intact(motion) is False
