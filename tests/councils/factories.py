"""Factories for councils: build a council with seats directly (no services), for arranging tests.

    c = build_council(body, people=20, vice_chairs=5)        # individuals: chair, 5 vice-chairs, 14 members
    c = build_council(body, units=21, vice_chairs=5)         # unit seats with representatives and substitutes
    c.council, c.seats, c.staff, c.chair (the chair's user), c.voter(seat)
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from councils.models import Attendance, Council, Meeting, MemberUnit, Seat
from portal.models import Role
from tests.factories import UserFactory, grant

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=TZ)


def staff(body, role=Role.SECRETARIAT, **kwargs):
    user = UserFactory(**kwargs)
    grant(user, body, role)
    return user


@dataclass
class Built:
    council: Council
    staff: object
    seats: list = field(default_factory=list)
    units: list = field(default_factory=list)

    @property
    def chair_seat(self):
        return next(s for s in self.seats if s.role == Seat.Role.CHAIR)

    @property
    def chair(self):
        return self.voter(self.chair_seat)

    def role(self, role):
        return [s for s in self.seats if s.role == role]

    @staticmethod
    def voter(seat):
        return seat.holder if seat.holder_id else seat.representative


def build_council(body, *, people=0, units=0, vice_chairs=0, secretary_general=False, chair=True,
                  term_start=date(2025, 1, 1), number_prefix="测理决", name="测试理事会", extra_units=0):
    """Seats in role order: chair, vice-chairs, secretary-general, then members. With `units`
    every seat is a member unit's (representative + substitute); else individuals.
    `extra_units`: member units without a seat."""
    council = Council.objects.create(body=body, name_zh=name, number_prefix=number_prefix)
    built = Built(council=council, staff=staff(body))
    n = units or people
    roles = ([Seat.Role.CHAIR] if chair else []) + [Seat.Role.VICE_CHAIR] * vice_chairs
    roles += [Seat.Role.SECRETARY_GENERAL] if secretary_general else []
    roles += [Seat.Role.MEMBER] * (n - len(roles))
    end = term_start.replace(year=term_start.year + 3) - timedelta(days=1)
    for i, role in enumerate(roles):
        if units:
            unit = MemberUnit.objects.create(council=council, name=f"成员单位{i + 1:03d}", joined_on=term_start)
            built.units.append(unit)
            seat = Seat.objects.create(council=council, role=role, unit=unit, representative=UserFactory(),
                                       substitute=UserFactory(), term_start=term_start, term_end=end)
        else:
            seat = Seat.objects.create(council=council, role=role, holder=UserFactory(), term_start=term_start,
                                       term_end=end)
        built.seats.append(seat)
    for j in range(extra_units):
        built.units.append(MemberUnit.objects.create(council=council, name=f"未任职单位{j + 1:03d}",
                                                     joined_on=term_start))
    return built


def make_meeting(built, *, starts_at, status=Meeting.Status.DRAFT, kind=Meeting.Kind.PLENARY, convener=None,
                 hours=3, snapshot=True):
    from councils import rules

    number = built.council.meetings.count() + 1
    return Meeting.objects.create(
        council=built.council, number=number, title=f"第{number}次会议", kind=kind, place="会议室",
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), convener=convener or built.chair,
        status=status, policy_snapshot=rules.policy_snapshot(built.council.body.policy) if snapshot else {},
        opened_at=starts_at if status == Meeting.Status.IN_PROGRESS else None)


def mark_present(meeting, seats, *, at=None):
    """Attendance rows (arranged directly) for `seats` from `at`."""
    at = at or meeting.starts_at
    Attendance.objects.bulk_create([
        Attendance(meeting=meeting, seat=s, attendee=Built.voter(s), checked_in_at=at) for s in seats])


def now():
    return timezone.now()
