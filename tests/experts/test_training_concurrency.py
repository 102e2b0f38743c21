"""Ten experts enrol at once in a session with three places (parallel threads, each its own
connection, real PostgreSQL transactions): the row lock on the session admits exactly three."""
import threading
from datetime import timedelta

import pytest
from django.db import connection

from experts.models import TrainingEnrolment
from experts.services import training
from experts.services.training import TrainingError
from tests.experts.lifecycle_helpers import at, expert_in, staff_of

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
START = at(2026, 6, 10, 9)


@pytest.mark.django_db(transaction=True)
def test_parallel_enrolments_never_exceed_the_capacity(pools):
    gd = pools["gd-quality"]
    sec = staff_of(gd)
    session = training.create_session(gd, actor=sec, topic="并发报名", starts_at=START,
                                      ends_at=START + timedelta(hours=2), place="广州", capacity=3,
                                      now=at(2026, 6, 1))
    experts = [expert_in(gd) for _i in range(10)]
    barrier = threading.Barrier(len(experts))
    full, errors = [], []

    def enrol(expert):
        try:
            barrier.wait(timeout=60)
            training.enrol(session, expert, actor=expert.user, now=at(2026, 6, 2))
        except TrainingError as exc:
            full.append(exc.messages[0])
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(e,)) for e in experts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert TrainingEnrolment.objects.filter(session=session).count() == 3
    assert len(full) == 7 and all("名额已满" in m for m in full)
