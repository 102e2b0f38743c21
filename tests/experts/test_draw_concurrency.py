"""50 draws on one pool for the same day, run in parallel threads (each its own database
connection, real PostgreSQL transactions): nobody is booked twice, every draw verifies."""
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from experts.draws.fairness import verify_record
from experts.draws.record import build_record
from experts.models import Booking, Draw, Invitation
from experts.services import draws as svc
from tests.experts.test_draw_pool import NOW, gd, make_expert, new_draw, people, run_draw, sent, xx  # noqa: F401 (fixtures)

DRAWS, NEEDED, EXPERTS = 50, 2, 60
# real parallel transactions with row locks: PostgreSQL (`make test` runs on it)
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel transactions on one pool need PostgreSQL (row locks)")


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_draws_never_book_one_expert_twice(xx, people, sent):
    experts = [make_expert(xx) for _ in range(EXPERTS)]
    frozen = [svc.freeze_pool(new_draw(xx, people, needed=NEEDED), actor=people["staff"], now=NOW)
              for _ in range(DRAWS)]
    assert all(d.pool == sorted(e.pk for e in experts) for d in frozen)  # every pool froze before any booking
    barrier = threading.Barrier(DRAWS)
    errors = []

    def run(draw, n):
        try:
            barrier.wait(timeout=60)
            svc.enter_entropy(draw, actor=people["supervisor"], value=f"entropy-{n}", source="测试",
                              now=NOW + timedelta(minutes=5))
        except Exception as exc:  # reported below with the draw it came from
            errors.append((draw.number, repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d, n)) for n, d in enumerate(frozen)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert not any(t.is_alive() for t in threads)

    booked = Counter(Booking.objects.values_list("expert_id", "day"))
    assert booked and max(booked.values()) == 1
    invited = list(Invitation.objects.values_list("expert_id", flat=True))
    assert len(invited) == len(set(invited)) == EXPERTS  # 100 seats wanted, each of the 60 taken once
    draws = list(Draw.objects.filter(pk__in=[d.pk for d in frozen]))
    statuses = Counter(d.status for d in draws)
    assert statuses[Draw.Status.INVITING] == EXPERTS // NEEDED
    assert statuses[Draw.Status.EXHAUSTED] == DRAWS - EXPERTS // NEEDED
    skipped = Counter(p["reason"] for d in draws for p in d.picks if p["outcome"] == "skipped")
    assert set(skipped) == {"booked"} and skipped["booked"] > 0
    for d in draws:
        result = verify_record(build_record(d, public=True))
        assert result.ok, (d.number, result.problem)


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_create_freeze_and_draw_without_deadlock(xx, people, sent):
    """The whole request in parallel — numbering, freezing, audit, drawing — as 100 concurrent
    users would: no deadlock, no double booking, every record verifies. There are enough experts
    for every request (20 × 3 ≤ 63): on a loaded machine a late request may freeze after the
    others booked their panels, and must still find someone."""
    for _ in range(63):
        make_expert(xx)
    workers = 20
    barrier = threading.Barrier(workers)
    errors, made = [], []

    def run(n):
        try:
            barrier.wait(timeout=60)
            made.append(run_draw(xx, people, needed=3, entropy=f"并发-{n}", now=NOW).pk)
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert len(made) == workers
    booked = Counter(Booking.objects.values_list("expert_id", "day"))
    assert max(booked.values()) == 1
    draws = list(Draw.objects.filter(pk__in=made))
    assert {d.status for d in draws} <= {Draw.Status.INVITING, Draw.Status.EXHAUSTED}
    assert sum(d.invitations.count() for d in draws) == len(booked)
    for d in draws:
        assert verify_record(build_record(d, public=True)).ok, d.number
