"""The councils demo: seeded through the services, idempotent, and its pages render."""
import pytest

from councils.demo import seed_councils_demo
from councils.models import Council, Meeting, Minutes, Motion, Resolution, Seat
from councils.services.minutes import verify_minutes
from portal.demo import demo_email


@pytest.mark.django_db
def test_demo_has_both_councils_with_past_and_upcoming_meetings(demo):
    jx = Council.objects.get(body__key="jx-base")
    jm = Council.objects.get(body__key="jm-storage")
    assert jx.seats.filter(status="active").count() == 28
    assert jx.units.filter(status="active").count() == 21
    roles = sorted(jx.seats.filter(holder__isnull=False).values_list("role", flat=True))
    assert roles.count("vice_chair") == 5 and roles.count("chair") == 1 and roles.count("secretary_general") == 1
    member = demo["member"]
    assert Seat.objects.filter(council=jx, representative=member, status="active").exists()
    assert Seat.objects.filter(council=jm, holder=member, status="active").exists()
    for council in (jx, jm):
        past = council.meetings.get(status=Meeting.Status.CLOSED)
        assert past.attendance.exists()
        assert past.minutes.status == Minutes.Status.DISTRIBUTED and verify_minutes(past.minutes)
        assert set(past.motions.values_list("status", "result")) == {(Motion.Status.CLOSED, Motion.Result.PASSED)}
        upcoming = council.meetings.get(status=Meeting.Status.NOTIFIED)
        assert upcoming.agenda_items.count() >= 1 and upcoming.agenda_closes_at is not None
    assert Resolution.objects.filter(public=True, council=jx).count() == 2
    seed_councils_demo()  # idempotent
    assert Council.objects.filter(body__key__in=["jx-base", "jm-storage"]).count() == 2
    assert demo_email("jx-chair")
