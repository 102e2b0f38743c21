"""200 seat holders cast their ballots at once, in threads with their own PostgreSQL
connections (real transactions, row locks): every ballot is counted exactly once, changes
race with first casts, and a close racing the last ballots counts what was committed."""
import threading
from datetime import timedelta

import pytest
from django.db import connection

from councils import selectors
from councils.models import Ballot, Meeting, Motion, Seat
from councils.services import votes as svc
from portal.models import AuditEvent
from tests.councils.factories import at, build_council, make_meeting, mark_present

SEATS = 200
T0 = at(2026, 6, 15, 9)
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL")


def free_connections(margin=25, cap=60):
    """Connections this test may open at once: what the (possibly shared) server has free, minus a margin."""
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)")
        free = cur.fetchone()[0]
    return max(2, min(cap, free - margin))


def run_threads(target, items, threads=None):
    """One thread per item, all released together by a barrier; a semaphore caps how many hold a
    database connection at once (the server is shared). Returns the errors."""
    items = list(items)
    slots = threading.BoundedSemaphore(free_connections())
    barrier = threading.Barrier(len(items))
    errors = []

    def worker(item):
        try:
            barrier.wait(timeout=120)
            with slots:
                try:
                    target(item)
                finally:
                    connection.close()
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    pool = [threading.Thread(target=worker, args=(item,)) for item in items]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in pool)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_hundred_concurrent_ballots_each_counted_once(bodies):
    c = build_council(bodies["jm-storage"], people=SEATS)
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.seats)
    motion = svc.create_motion(c.council, actor=c.staff, title="并发表决", meeting=m)
    motion = svc.open_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=1))
    choices = {s.pk: ("yes", "no", "abstain")[i % 3] for i, s in enumerate(c.seats)}

    def cast(seat):
        svc.cast_ballot(motion, seat, actor=seat.holder, choice=choices[seat.pk], now=T0 + timedelta(minutes=2))

    # one thread per seat holder (200), all released at once
    errors = run_threads(cast, c.seats)
    assert errors == []
    assert Ballot.objects.filter(motion=motion).count() == SEATS
    assert set(Ballot.objects.filter(motion=motion).values_list("seat_id", flat=True)) == {s.pk for s in c.seats}
    expected = {k: sum(1 for v in choices.values() if v == k) for k in ("yes", "no", "abstain")}
    counts = selectors.tally_counts(motion)
    assert {k: counts[k] for k in expected} == expected and counts["cast"] == SEATS
    assert AuditEvent.objects.filter(action="council.ballot.cast", target_id=str(motion.pk)).count() == SEATS
    motion = svc.close_motion(motion, actor=c.chair, now=T0 + timedelta(minutes=5))
    assert (motion.tally["yes"], motion.tally["base"], motion.tally["needed"]) == (expected["yes"], 200, 134)
    assert motion.result == Motion.Result.FAILED


@pytest.mark.django_db(transaction=True)
def test_same_seat_raced_by_representative_and_substitute_gets_one_ballot(bodies):
    c = build_council(bodies["jx-base"], units=30, vice_chairs=5)
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.seats)
    motion = svc.open_motion(svc.create_motion(c.council, actor=c.staff, title="并发", meeting=m), actor=c.chair,
                             now=T0 + timedelta(minutes=1))
    jobs = [(s, who) for s in c.seats for who in (s.representative, s.substitute)]

    def cast(job):
        seat, who = job
        svc.cast_ballot(motion, seat, actor=who, choice="yes")

    errors = run_threads(cast, jobs)
    # each seat: exactly one of its two people won, the other got a clear refusal
    assert len(errors) == len(c.seats)
    assert all("不能都投票" in e or "已投票" in e for e in errors)
    ballots = Ballot.objects.filter(motion=motion)
    assert ballots.count() == len(c.seats)
    for b in ballots.select_related("seat"):
        assert b.cast_by_id in (b.seat.representative_id, b.seat.substitute_id)


@pytest.mark.django_db(transaction=True)
def test_close_racing_ballots_counts_exactly_the_committed_ones(bodies):
    c = build_council(bodies["jm-storage"], people=60)
    m = make_meeting(c, starts_at=T0, status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.seats)
    motion = svc.open_motion(svc.create_motion(c.council, actor=c.staff, title="并发", meeting=m), actor=c.chair,
                             now=T0 + timedelta(minutes=1))
    items = [("vote", s) for s in c.seats[1:]] + [("close", None)]

    def act(item):
        kind, seat = item
        if kind == "close":
            svc.close_motion(motion, actor=c.staff)
        else:
            svc.cast_ballot(motion, seat, actor=seat.holder, choice="yes")

    errors = run_threads(act, items)
    assert all("表决未在进行" in e for e in errors)
    motion.refresh_from_db()
    assert motion.status == Motion.Status.CLOSED
    assert motion.tally["cast"] == Ballot.objects.filter(motion=motion).count() == motion.tally["yes"]
    assert motion.tally["cast"] + len(errors) == len(c.seats) - 1
    assert Seat.objects.filter(council=c.council).count() == 60
