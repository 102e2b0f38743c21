"""Helpers shared by the council services."""
import hashlib
import json
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from portal.permissions import users_with

from ..models import Seat


class CouncilError(ValidationError):
    """A council action cannot be done as asked (shown on the form, nothing changed)."""


def localdate(now=None):
    return timezone.localdate(now or timezone.now())


def canonical_hash(data):
    """sha256 of canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_years(d, years):
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def term_end(start, years):
    """A term of `years` years from `start` ends the day before the anniversary."""
    return add_years(start, years) - timedelta(days=1)


def active_seats(council, on=None):
    """Seats of `council` held on day `on` (default: currently active)."""
    qs = Seat.objects.filter(council=council)
    if on is None:
        return qs.filter(status=Seat.Status.ACTIVE)
    assert isinstance(on, date)
    return qs.filter(term_start__lte=on).filter(Q(status=Seat.Status.ACTIVE) | Q(ended_on__gt=on))


def seat_people(seats):
    """Distinct users acting for `seats` (holders, representatives, substitutes), in a stable order."""
    from portal.models import User

    ids = set()
    for s in seats:
        ids.update(s.voter_ids())
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def seat_holders_of(council):
    return seat_people(active_seats(council))


def chairs_of(council):
    seats = active_seats(council).filter(role=Seat.Role.CHAIR)
    return seat_people(seats)


def secretariat_of(council):
    return users_with("manage_council", council.body)


def seat_of(council, user):
    """The active seat `user` acts for in `council` (holder, representative or substitute), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (active_seats(council).select_related("unit")
            .filter(Q(holder=user) | Q(representative=user) | Q(substitute=user)).first())
