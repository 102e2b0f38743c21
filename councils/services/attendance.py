"""Attendance: timestamped presence intervals, presence at a time, live quorum.

    check_in(meeting, seat, *, actor, attendee=None, method="staff", token="")   staff, or the member by QR/link
    check_out(meeting, seat, *, actor)
    present_seats(meeting, at=None)           {seat_id: role} of seats present at `at`
    quorum_status(meeting, at=None)           rules.Verdict ("出席 14/20，需 14（且副理事长 ≥ 3：到 2）")

A seat is present at time t when one of its intervals covers t (checked_in_at ≤ t and not yet
checked out). A late arrival or an early departure changes who is present from then on.
For a unit seat the representative or the substitute attends — never both at once.
"""
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.permissions import has

from .. import rules
from ..models import Attendance, Meeting, Seat
from .common import CouncilError, active_seats

# members may check themselves in from this long before the start until the end
SELF_CHECKIN_BEFORE = timedelta(minutes=60)


def _in_window(meeting, now):
    return meeting.starts_at - SELF_CHECKIN_BEFORE <= now <= meeting.ends_at


def check_in(meeting, seat, *, actor, attendee=None, method=Attendance.Method.STAFF, token="", now=None):
    """Record that `attendee` (default: the actor) is present for `seat` from `now`. Staff
    (manage_council) record anyone; members check themselves in with the meeting's token
    (QR code or link) during the meeting window."""
    now = now or timezone.now()
    attendee = attendee or actor
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council__body").get(pk=meeting.pk)
        seat = Seat.objects.select_related("unit").get(pk=seat.pk)
        body = meeting.council.body
        if method == Attendance.Method.STAFF:
            if actor is not None and not has(actor, "manage_council", body):
                raise PermissionDenied(_("只有秘书处可以代为登记签到。"))
        else:
            if getattr(actor, "pk", None) != attendee.pk:
                raise PermissionDenied(_("扫码或链接签到只能本人签到。"))
            if not token or not secrets.compare_digest(str(token), meeting.checkin_token):
                raise PermissionDenied(_("签到链接无效。"))
            if not _in_window(meeting, now):
                raise CouncilError(_("不在会议签到时间内。"))
        if meeting.status not in (Meeting.Status.NOTIFIED, Meeting.Status.IN_PROGRESS):
            raise CouncilError(_("会议未在进行，不能签到。"))
        if seat.council_id != meeting.council_id or seat.status != Seat.Status.ACTIVE:
            raise CouncilError(_("该席位不属于本会或已卸任。"))
        if attendee.pk not in seat.voter_ids():
            raise CouncilError(_("%(who)s 不能代表该席位出席。") % {"who": attendee.name})
        as_substitute = seat.unit_id is not None and attendee.pk == seat.substitute_id
        open_row = Attendance.objects.filter(meeting=meeting, seat=seat, checked_out_at__isnull=True).first()
        if open_row is not None:
            if open_row.attendee_id == attendee.pk:
                raise CouncilError(_("%(who)s 已签到。") % {"who": attendee.name})
            raise CouncilError(_("该单位已由 %(who)s 出席，代表与替补代表不能同时出席；请先为其签退。") % {
                "who": open_row.attendee.name})
        try:
            with transaction.atomic():
                row = Attendance.objects.create(
                    meeting=meeting, seat=seat, attendee=attendee, as_substitute=as_substitute, checked_in_at=now,
                    method=method, recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
        except IntegrityError:
            raise CouncilError(_("该席位已签到。")) from None
        audit.record(actor, "council.attendance.check_in", meeting, body=body, now=now, data={
            "seat": seat.pk, "attendee": attendee.pk, "as_substitute": as_substitute, "method": method})
    return row


def check_out(meeting, seat, *, actor, now=None):
    """End the seat's open interval at `now` (an early departure). Staff, or the attendee."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council__body").get(pk=meeting.pk)
        row = (Attendance.objects.select_for_update(of=("self",)).filter(meeting=meeting, seat_id=seat.pk,
                                                             checked_out_at__isnull=True).first())
        if row is None:
            raise CouncilError(_("该席位当前未签到。"))
        if actor is not None and actor.pk != row.attendee_id and not has(actor, "manage_council",
                                                                         meeting.council.body):
            raise PermissionDenied(_("只能为本人签退。"))
        row.checked_out_at = max(now, row.checked_in_at)
        row.save(update_fields=["checked_out_at"])
        audit.record(actor, "council.attendance.check_out", meeting, body=meeting.council.body, now=now,
                     data={"seat": seat.pk, "attendee": row.attendee_id})
    return row


def present_filter(at):
    return Q(checked_in_at__lte=at) & (Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=at))


def present_seats(meeting, at=None):
    """{seat_id: role} of the seats present at `at` (one query)."""
    at = at or timezone.now()
    rows = (Attendance.objects.filter(meeting=meeting).filter(present_filter(at))
            .values_list("seat_id", "seat__role").distinct())
    return dict(rows)


def members_count(meeting, at=None):
    at = at or timezone.now()
    return active_seats(meeting.council, on=timezone.localdate(at)).count()


def quorum_status(meeting, at=None, *, members=None, present=None):
    """The live quorum verdict (two queries; pass `members`/`present` to reuse counts)."""
    at = at or timezone.now()
    if present is None:
        present = present_seats(meeting, at)
    if members is None:
        members = members_count(meeting, at)
    snapshot = meeting.policy_snapshot or rules.policy_snapshot(meeting.council.body.policy)
    roles_present = {}
    for role in present.values():
        roles_present[role] = roles_present.get(role, 0) + 1
    return rules.quorum(rules.quorum_rule(snapshot), members, min(len(present), members), roles_present)
