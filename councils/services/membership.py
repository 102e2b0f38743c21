"""Councils, member units and seats.

    create_council(body, *, actor, name_zh, kind, number_prefix="", name_en="")
    admit_unit(council, *, actor, name, joined_on=None, motion=None, application=None, **fields)
    remove_unit(unit, *, actor, reason, note="")            ends the unit's seats too
    submit_unit_application(council, *, actor, unit_name, contact_name, contact_phone, ...)
    appoint_seat(council, *, actor, role, holder=None, unit=None, representative=None, substitute=None,
                 term_start=None, elected_by=None)           leaders ≤ limit, one person one seat
    end_seat(seat, *, actor, reason)
    renew_seat(seat, *, actor)                              the next term for the same occupant
"""
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import require

from .. import rules
from ..models import Council, MemberUnit, Seat, UnitApplication
from .common import CouncilError, active_seats, localdate, secretariat_of, term_end


def create_council(body, *, actor, name_zh, kind=Council.Kind.COUNCIL, number_prefix="", name_en="", now=None):
    if actor is not None:
        require(actor, "manage_council", body)
    name_zh = (name_zh or "").strip()
    if not name_zh:
        raise CouncilError(_("请填写名称。"))
    with transaction.atomic():
        council = Council.objects.create(body=body, name_zh=name_zh, name_en=name_en, kind=kind,
                                         number_prefix=number_prefix)
        audit.record(actor, "council.create", council, body=body, now=now,
                     data={"name": name_zh, "kind": kind, "number_prefix": number_prefix})
    return council


def _lock_council(council):
    return Council.objects.select_for_update(of=("self",)).select_related("body__policy").get(pk=council.pk)


def admit_unit(council, *, actor, name, joined_on=None, motion=None, application=None, short_name="",
               credit_code="", contact_name="", contact_phone="", now=None):
    """Admit a member unit: by staff (manage_council) or by the result of a unit_admission motion
    (actor None, `motion` given)."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_council", council.body)
    name = (name or "").strip()
    if not name:
        raise CouncilError(_("请填写单位名称。"))
    with transaction.atomic():
        council = _lock_council(council)
        if MemberUnit.objects.filter(council=council, name=name, status=MemberUnit.Status.ACTIVE).exists():
            raise CouncilError(_("“%(name)s”已是成员单位。") % {"name": name})
        unit = MemberUnit.objects.create(
            council=council, name=name, short_name=short_name, credit_code=credit_code, contact_name=contact_name,
            contact_phone=contact_phone, joined_on=joined_on or localdate(now), admitted_by_motion=motion)
        if application is not None:
            UnitApplication.objects.filter(pk=application.pk).update(status=UnitApplication.Status.ADMITTED)
        audit.record(actor, "council.unit.admit", unit, body=council.body, now=now,
                     data={"name": name, "motion": motion.pk if motion else None,
                           "application": application.pk if application else None})
    return unit


def remove_unit(unit, *, actor, reason, note="", now=None):
    """A unit leaves for one of the listed reasons; its active seats end the same day."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_council", unit.council.body)
    if reason not in MemberUnit.LeaveReason.values:
        raise CouncilError(_("请选择退出原因。"))
    with transaction.atomic():
        unit = MemberUnit.objects.select_for_update(of=("self",)).select_related("council__body").get(pk=unit.pk)
        if unit.status != MemberUnit.Status.ACTIVE:
            raise CouncilError(_("该单位已退出。"))
        unit.status = MemberUnit.Status.LEFT
        unit.left_on = localdate(now)
        unit.leave_reason = reason
        unit.leave_note = note
        unit.save(update_fields=["status", "left_on", "leave_reason", "leave_note"])
        audit.record(actor, "council.unit.remove", unit, body=unit.council.body, now=now,
                     data={"reason": reason, "note": note})
        for seat in Seat.objects.filter(unit=unit, status=Seat.Status.ACTIVE):
            end_seat(seat, actor=actor, reason=MemberUnit.LeaveReason(reason).label, now=now)
    return unit


def submit_unit_application(council, *, actor, unit_name, contact_name, contact_phone, credit_code="", reason="",
                            attachment=None, now=None):
    """Anyone signed in may apply on behalf of a unit; the secretariat schedules it for a plenary."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    unit_name = (unit_name or "").strip()
    if not unit_name or not (contact_name or "").strip() or not (contact_phone or "").strip():
        raise CouncilError(_("请填写单位名称、联系人和联系电话。"))
    if MemberUnit.objects.filter(council=council, name=unit_name, status=MemberUnit.Status.ACTIVE).exists():
        raise CouncilError(_("“%(name)s”已是成员单位。") % {"name": unit_name})
    with transaction.atomic():
        application = UnitApplication(council=council, unit_name=unit_name, credit_code=credit_code,
                                      contact_name=contact_name, contact_phone=contact_phone, reason=reason,
                                      submitted_by=actor)
        if attachment is not None:
            application.attachment = attachment
        application.save()
        audit.record(actor, "council.unit_application.submit", application, body=council.body, now=now,
                     data={"unit_name": unit_name})
        notify.later(secretariat_of(council), "council_unit_application", application, body=council.body,
                     subject=notify.fmt(gettext_lazy("入会申请：%(name)s"), name=unit_name),
                     url=reverse("councils:applications", args=[council.pk]))
    return application


def _people(holder, unit, representative, substitute):
    return [u for u in (holder, representative, substitute) if u is not None]


def _check_one_seat_per_person(council, people, *, exclude_pk=None):
    ids = [u.pk for u in people]
    if len(set(ids)) != len(ids):
        raise CouncilError(_("代表与替补代表不能是同一人。"))
    clash = (active_seats(council).filter(Q(holder__in=ids) | Q(representative__in=ids) | Q(substitute__in=ids))
             .exclude(pk=exclude_pk).select_related("holder", "unit").first())
    if clash is not None:
        raise CouncilError(_("一人一席：%(who)s 已在本会担任“%(seat)s”。") % {
            "who": "、".join(u.name for u in people if u.pk in clash.voter_ids()) or clash.occupant_name,
            "seat": clash})


def _check_leaders(council, role, *, exclude_pk=None):
    if role not in Seat.LEADER_ROLES:
        return
    seats = active_seats(council).exclude(pk=exclude_pk)
    if role == Seat.Role.CHAIR and seats.filter(role=Seat.Role.CHAIR).exists():
        raise CouncilError(_("本会已有在任的理事长，请先结束其任期或通过选举产生。"))
    units = MemberUnit.objects.filter(council=council, status=MemberUnit.Status.ACTIVE).count()
    if units == 0:
        return  # councils of individuals: the leaders limit applies to member units only
    leaders = seats.filter(role__in=Seat.LEADER_ROLES).count() + 1
    verdict = rules.leaders_ok(council.body.policy, leaders, units)
    if not verdict.ok:
        raise CouncilError(_("领导成员（理事长、副理事长、秘书长）不得超过成员单位数的 %(num)d/%(den)d："
                             "现有成员单位 %(units)d 家，最多 %(max)d 人，任命后将为 %(have)d 人。") % {
            "num": council.body.policy.leaders_max_num, "den": council.body.policy.leaders_max_den,
            "units": units, "max": verdict.needed, "have": leaders})


def appoint_seat(council, *, actor, role, holder=None, unit=None, representative=None, substitute=None,
                 term_start=None, elected_by=None, now=None, _exclude_pk=None):
    """Give a seat to a person (`holder`) or to a member unit (`unit` with its `representative`
    and optional `substitute`). The term runs policy.term_years from `term_start`."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_council", council.body)
    if role not in Seat.Role.values:
        raise CouncilError(_("请选择职务。"))
    if (holder is None) == (unit is None):
        raise CouncilError(_("席位由个人或成员单位担任，二者选一。"))
    if unit is not None:
        if representative is None:
            raise CouncilError(_("单位席位须指定代表。"))
        if unit.council_id != council.pk or unit.status != MemberUnit.Status.ACTIVE:
            raise CouncilError(_("该单位不是本会在册成员单位。"))
    elif representative is not None or substitute is not None:
        raise CouncilError(_("个人席位不设代表和替补代表。"))
    with transaction.atomic():
        council = _lock_council(council)
        if unit is not None and active_seats(council).filter(unit=unit).exclude(pk=_exclude_pk).exists():
            raise CouncilError(_("“%(unit)s”已有席位。") % {"unit": unit})
        _check_one_seat_per_person(council, _people(holder, unit, representative, substitute), exclude_pk=_exclude_pk)
        _check_leaders(council, role, exclude_pk=_exclude_pk)
        start = term_start or localdate(now)
        seat = Seat.objects.create(
            council=council, role=role, holder=holder, unit=unit, representative=representative,
            substitute=substitute, term_start=start, term_end=term_end(start, council.body.policy.term_years),
            elected_by=elected_by)
        audit.record(actor, "council.seat.appoint", seat, body=council.body, now=now, data={
            "role": role, "holder": getattr(holder, "pk", None), "unit": getattr(unit, "pk", None),
            "representative": getattr(representative, "pk", None), "substitute": getattr(substitute, "pk", None),
            "term_start": seat.term_start, "term_end": seat.term_end,
            "elected_by": elected_by.pk if elected_by else None})
        notify.later(_people(holder, unit, representative, substitute), "council_seat_appointed", seat,
                     body=council.body, subject=notify.fmt(gettext_lazy("席位任命：%(council)s %(role)s"), council=council,
                                                           role=seat.get_role_display), url=council.get_absolute_url())
    return seat


def end_seat(seat, *, actor, reason, now=None):
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_council", seat.council.body)
    with transaction.atomic():
        seat = Seat.objects.select_for_update(of=("self",)).select_related("council__body", "holder", "unit").get(pk=seat.pk)
        if seat.status != Seat.Status.ACTIVE:
            raise CouncilError(_("该席位已卸任。"))
        seat.status = Seat.Status.ENDED
        seat.ended_on = max(localdate(now), seat.term_start)
        seat.end_reason = str(reason)[:200]
        seat.save(update_fields=["status", "ended_on", "end_reason"])
        audit.record(actor, "council.seat.end", seat, body=seat.council.body, now=now,
                     data={"reason": seat.end_reason, "ended_on": seat.ended_on})
        people = [u for u in (seat.holder, seat.representative, seat.substitute) if u is not None]
        notify.later(people, "council_seat_ended", seat, body=seat.council.body,
                     subject=notify.fmt(gettext_lazy("席位卸任：%(council)s"),
                                        council=seat.council), url=seat.council.get_absolute_url(),
                     reason=seat.end_reason)
    return seat


def renew_seat(seat, *, actor, now=None):
    """Re-appointment for the next term (连选连任): the old seat ends at its term end, a new seat
    for the same occupant starts the next day."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_council", seat.council.body)
    with transaction.atomic():
        seat = Seat.objects.select_for_update(of=("self",)).select_related("council__body__policy").get(pk=seat.pk)
        if seat.status != Seat.Status.ACTIVE:
            raise CouncilError(_("该席位已卸任，不能续任。"))
        seat.status = Seat.Status.ENDED
        seat.ended_on = seat.term_end
        seat.end_reason = _("任期届满续任")
        seat.save(update_fields=["status", "ended_on", "end_reason"])
        new = appoint_seat(seat.council, actor=actor, role=seat.role, holder=seat.holder, unit=seat.unit,
                           representative=seat.representative, substitute=seat.substitute,
                           term_start=seat.term_end + timedelta(days=1), now=now)
        audit.record(actor, "council.seat.renew", seat, body=seat.council.body, now=now,
                     data={"new_seat": new.pk, "term_start": new.term_start, "term_end": new.term_end})
    return new
