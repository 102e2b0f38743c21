"""Membership: seats, terms, the leaders limit, one person one seat, units leaving."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from councils.models import Council, MemberUnit, Seat, UnitApplication
from councils.services import CouncilError
from councils.services import membership as svc
from portal.models import AuditEvent, Notification
from tests.councils.factories import at, build_council, staff
from tests.factories import UserFactory

NOW = at(2026, 3, 2)


@pytest.fixture
def jx(bodies):
    return bodies["jx-base"]


@pytest.mark.django_db
def test_create_council_needs_manage_council(jx):
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        svc.create_council(jx, actor=outsider, name_zh="理事会")
    council = svc.create_council(jx, actor=staff(jx), name_zh="江西创新基地理事会", number_prefix="赣创理决")
    assert Council.objects.get(pk=council.pk).number_prefix == "赣创理决"
    assert AuditEvent.objects.filter(action="council.create", target_id=str(council.pk)).exists()


@pytest.mark.django_db
def test_person_seat_term_follows_policy_term_years(jx):
    c = build_council(jx, people=3)
    person = UserFactory()
    seat = svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.MEMBER, holder=person, now=NOW)
    assert (seat.term_start, seat.term_end) == (date(2026, 3, 2), date(2029, 3, 1))
    assert Notification.objects.filter(user=person, kind="council_seat_appointed").count() == 1


@pytest.mark.django_db
def test_unit_seat_needs_a_representative(jx):
    c = build_council(jx, units=3)
    unit = svc.admit_unit(c.council, actor=c.staff, name="新成员单位", now=NOW)
    with pytest.raises(CouncilError, match="单位席位须指定代表"):
        svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.MEMBER, unit=unit, now=NOW)
    seat = svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.MEMBER, unit=unit,
                            representative=UserFactory(), substitute=UserFactory(), now=NOW)
    assert seat.unit == unit


@pytest.mark.django_db
def test_holder_and_unit_are_exclusive(jx):
    c = build_council(jx, units=3)
    with pytest.raises(CouncilError, match="二者选一"):
        svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.MEMBER, holder=UserFactory(), unit=c.units[0],
                         representative=UserFactory(), now=NOW)


@pytest.mark.django_db
def test_one_person_one_seat_per_council(jx):
    c = build_council(jx, units=3)
    rep = c.seats[1].representative
    unit = svc.admit_unit(c.council, actor=c.staff, name="新成员单位", now=NOW)
    with pytest.raises(CouncilError, match="一人一席"):
        svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.MEMBER, unit=unit, representative=rep, now=NOW)
    with pytest.raises(CouncilError, match="一人一席"):
        svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.MEMBER, holder=c.seats[2].substitute, now=NOW)
    assert Seat.objects.filter(council=c.council).count() == 3


@pytest.mark.django_db
def test_leaders_up_to_one_third_of_units_then_refused(jx):
    # 21 units: at most 7 leaders. chair + 5 vice-chairs + secretary-general = 7 exactly.
    c = build_council(jx, units=20, vice_chairs=5, extra_units=1)
    seat = c.seats[-1]
    svc.end_seat(seat, actor=c.staff, reason="改任", now=NOW)
    sg = svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.SECRETARY_GENERAL, unit=seat.unit,
                          representative=UserFactory(), now=NOW)
    assert sg.role == Seat.Role.SECRETARY_GENERAL
    other = c.seats[-2]
    svc.end_seat(other, actor=c.staff, reason="改任", now=NOW)
    with pytest.raises(CouncilError, match="不得超过成员单位数的 1/3"):
        svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.VICE_CHAIR, unit=other.unit,
                         representative=UserFactory(), now=NOW)


@pytest.mark.django_db
def test_only_one_active_chair(jx):
    c = build_council(jx, people=6)
    with pytest.raises(CouncilError, match="已有在任的理事长"):
        svc.appoint_seat(c.council, actor=c.staff, role=Seat.Role.CHAIR, holder=UserFactory(), now=NOW)


@pytest.mark.django_db
def test_remove_unit_ends_its_seat_and_records_the_reason(jx):
    c = build_council(jx, units=4)
    unit = c.units[3]
    svc.remove_unit(unit, actor=c.staff, reason=MemberUnit.LeaveReason.ABSENT_YEAR, note="2025 年未参加活动", now=NOW)
    unit.refresh_from_db()
    assert (unit.status, unit.leave_reason, unit.left_on) == ("left", "absent_year", date(2026, 3, 2))
    seat = Seat.objects.get(unit=unit)
    assert (seat.status, seat.ended_on) == ("ended", date(2026, 3, 2))
    with pytest.raises(CouncilError):
        svc.remove_unit(unit, actor=c.staff, reason="voluntary", now=NOW)


@pytest.mark.django_db
def test_remove_unit_needs_a_listed_reason(jx):
    c = build_council(jx, units=2)
    with pytest.raises(CouncilError, match="退出原因"):
        svc.remove_unit(c.units[1], actor=c.staff, reason="bored", now=NOW)
    assert MemberUnit.objects.get(pk=c.units[1].pk).status == "active"


@pytest.mark.django_db
def test_renew_seat_starts_the_next_term(jx):
    c = build_council(jx, people=3, term_start=date(2023, 4, 1))
    seat = c.seats[2]
    new = svc.renew_seat(seat, actor=c.staff, now=at(2026, 3, 1))
    seat.refresh_from_db()
    assert (seat.status, seat.ended_on) == ("ended", date(2026, 3, 31))
    assert (new.holder, new.term_start, new.term_end) == (seat.holder, date(2026, 4, 1), date(2029, 3, 31))


@pytest.mark.django_db
def test_unit_application_notifies_the_secretariat(jx):
    c = build_council(jx, units=2)
    applicant = UserFactory()
    app = svc.submit_unit_application(c.council, actor=applicant, unit_name="赣江新区某公司", contact_name="李四",
                                      contact_phone="13900000000", reason="申请加入")
    assert app.status == UnitApplication.Status.SUBMITTED
    assert Notification.objects.filter(user=c.staff, kind="council_unit_application").count() == 1
    with pytest.raises(CouncilError):
        svc.submit_unit_application(c.council, actor=applicant, unit_name="", contact_name="", contact_phone="")
