"""Meetings, agenda items and petitions for ad-hoc meetings.

    create_meeting(council, *, actor, title, starts_at, ends_at, convener, kind="plenary", mode="in_person",
                   place="", online_url="", ad_hoc=False, petition=None)
    notify_meeting(meeting, *, actor)                   notice to every seat holder; agenda window computed
    agenda_closes_at(meeting_date, workdays)            (datetime, provisional): N working days before
    propose_agenda_item(meeting, *, actor, title, description="")   late → pending the chair's approval
    decide_agenda_item(item, *, actor, accept)          staff for timely items, the chair for late ones
    start_meeting / close_meeting / cancel_meeting(meeting, *, actor, reason="")
    start_petition(council, *, actor, reason)           by a member unit's representative
    sign_petition(petition, *, actor)                   one signature per unit; reaching ceil(1/3) notifies once
    petition_progress(petition)                         {"signed", "units", "needed", "reached"}
    convene_from_petition(petition, *, actor, title, starts_at, ends_at, convener, ...)
"""
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.permissions import has, require

from .. import rules
from ..models import AgendaItem, Council, Meeting, MemberUnit, Motion, Petition, PetitionSignature
from ..workflows import AGENDA_FLOW, MEETING_FLOW, PETITION_FLOW
from .common import CouncilError, chairs_of, seat_holders_of, seat_of, secretariat_of


def _lock(meeting):
    return Meeting.objects.select_for_update(of=("self",)).select_related("council__body__policy", "convener").get(pk=meeting.pk)


def create_meeting(council, *, actor, title, starts_at, ends_at, convener, kind=Meeting.Kind.PLENARY,
                   mode=Meeting.Mode.IN_PERSON, place="", online_url="", ad_hoc=False, petition=None, now=None):
    if actor is not None:
        require(actor, "manage_council", council.body)
    title = (title or "").strip()
    if not title:
        raise CouncilError(_("请填写会议名称。"))
    if ends_at <= starts_at:
        raise CouncilError(_("结束时间须晚于开始时间。"))
    if mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID) and not online_url:
        raise CouncilError(_("线上会议须填写会议链接。"))
    if mode in (Meeting.Mode.IN_PERSON, Meeting.Mode.HYBRID) and not place:
        raise CouncilError(_("现场会议须填写地点。"))
    with transaction.atomic():
        council = Council.objects.select_for_update(of=("self",)).select_related("body").get(pk=council.pk)
        number = (council.meetings.aggregate(m=Max("number"))["m"] or 0) + 1
        meeting = Meeting.objects.create(
            council=council, number=number, title=title, kind=kind, mode=mode, ad_hoc=ad_hoc, place=place,
            online_url=online_url, starts_at=starts_at, ends_at=ends_at, convener=convener, petition=petition,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(actor, "council.meeting.create", meeting, body=council.body, now=now, data={
            "number": number, "title": title, "kind": kind, "mode": mode, "starts_at": starts_at,
            "ends_at": ends_at, "convener": convener.pk, "ad_hoc": ad_hoc,
            "petition": petition.pk if petition else None})
    return meeting


def agenda_closes_at(meeting_date, days):
    """Items close `days` working days before the meeting day: at 24:00 of the `days`-th working
    day before it (the meeting day itself not counted). 0 days: at the start of the meeting day.
    Returns (aware datetime, provisional)."""
    if days <= 0:
        return datetime.combine(meeting_date, time(0), tzinfo=workdays.TZ), False
    d, count, provisional = meeting_date, 0, False
    while count < days:
        d -= timedelta(days=1)
        info = workdays.day_info(d)
        provisional = provisional or info.provisional
        if info.is_workday:
            count += 1
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=workdays.TZ), provisional


def notify_meeting(meeting, *, actor, now=None):
    """Send the notice to every seat holder; freeze the policy; compute the agenda window."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock(meeting)
        MEETING_FLOW.check(meeting, to=Meeting.Status.NOTIFIED, actor=actor)
        if meeting.starts_at <= now:
            raise CouncilError(_("会议开始时间已过，不能再发通知。"))
        policy = meeting.council.body.policy
        meeting.policy_snapshot = rules.policy_snapshot(policy)
        meeting.agenda_closes_at, meeting.agenda_provisional = agenda_closes_at(
            timezone.localdate(meeting.starts_at), policy.agenda_lead_workdays)
        meeting.status = Meeting.Status.NOTIFIED
        meeting.notified_at = now
        meeting.save(update_fields=["policy_snapshot", "agenda_closes_at", "agenda_provisional", "status",
                                    "notified_at"])
        audit.record(actor, "council.meeting.notify", meeting, body=meeting.council.body, now=now,
                     data={"agenda_closes_at": meeting.agenda_closes_at, "snapshot": meeting.policy_snapshot})
        notify.later(seat_holders_of(meeting.council), "council_meeting_notified", meeting,
                     body=meeting.council.body, subject=notify.fmt(gettext_lazy("会议通知：%(title)s"), title=meeting.title),
                     agenda_closes=meeting.agenda_closes_at)
    return meeting


def _transition(meeting, to, action, *, actor, now, fields=(), data=None):
    meeting = _lock(meeting)
    MEETING_FLOW.check(meeting, to=to, actor=actor)
    meeting.status = to
    meeting.save(update_fields=["status", *fields])
    audit.record(actor, action, meeting, body=meeting.council.body, now=now, data=data or {})
    return meeting


def start_meeting(meeting, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock(meeting)
        MEETING_FLOW.check(meeting, to=Meeting.Status.IN_PROGRESS, actor=actor)
        meeting.status = Meeting.Status.IN_PROGRESS
        meeting.opened_at = now
        meeting.save(update_fields=["status", "opened_at"])
        audit.record(actor, "council.meeting.start", meeting, body=meeting.council.body, now=now)
    return meeting


def close_meeting(meeting, *, actor, now=None):
    """Close the meeting: open votes must be closed first; open attendance intervals end now."""
    from ..models import Attendance

    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock(meeting)
        MEETING_FLOW.check(meeting, to=Meeting.Status.CLOSED, actor=actor)
        if meeting.motions.filter(status=Motion.Status.OPEN).exists():
            raise CouncilError(_("还有正在进行的表决，请先结束表决。"))
        checked_out = Attendance.objects.filter(meeting=meeting, checked_out_at__isnull=True).update(
            checked_out_at=now)
        meeting.status = Meeting.Status.CLOSED
        meeting.closed_at = now
        meeting.save(update_fields=["status", "closed_at"])
        audit.record(actor, "council.meeting.close", meeting, body=meeting.council.body, now=now,
                     data={"checked_out": checked_out})
    return meeting


def cancel_meeting(meeting, *, actor, reason="", now=None):
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock(meeting)
        was_notified = meeting.status == Meeting.Status.NOTIFIED
        MEETING_FLOW.check(meeting, to=Meeting.Status.CANCELLED, actor=actor)
        meeting.status = Meeting.Status.CANCELLED
        meeting.save(update_fields=["status"])
        audit.record(actor, "council.meeting.cancel", meeting, body=meeting.council.body, now=now,
                     data={"reason": reason})
        if was_notified:
            notify.later(seat_holders_of(meeting.council), "council_meeting_cancelled", meeting,
                         body=meeting.council.body, subject=notify.fmt(gettext_lazy("会议取消：%(title)s"),
                                                                       title=meeting.title),
                         reason=reason)
    return meeting


# ---------------------------------------------------------------------------
# agenda


def propose_agenda_item(meeting, *, actor, title, description="", now=None):
    """A seat holder (or the secretariat) proposes an item. After the window closes the item is
    marked late and waits for the chair's approval."""
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise CouncilError(_("请填写议题。"))
    with transaction.atomic():
        meeting = _lock(meeting)
        seat = seat_of(meeting.council, actor)
        if seat is None and not has(actor, "manage_council", meeting.council.body):
            raise PermissionDenied(_("只有本会成员可以提交议题。"))
        if meeting.status != Meeting.Status.NOTIFIED:
            raise CouncilError(_("会议通知发出后、会议开始前才能提交议题。"))
        late = meeting.agenda_closes_at is not None and now >= meeting.agenda_closes_at
        order = (meeting.agenda_items.aggregate(m=Max("order"))["m"] or 0) + 1
        item = AgendaItem.objects.create(
            meeting=meeting, order=order, title=title, description=description, proposed_by=actor, seat=seat,
            submitted_at=now, late=late,
            status=AgendaItem.Status.PENDING_CHAIR if late else AgendaItem.Status.PROPOSED)
        audit.record(actor, "council.agenda.propose", item, body=meeting.council.body, now=now,
                     data={"meeting": meeting.pk, "title": title, "late": late})
        if late:
            notify.later(chairs_of(meeting.council), "council_agenda_late", item, body=meeting.council.body,
                         subject=notify.fmt(gettext_lazy("逾期议题待批准：%(title)s"),
                                            title=title), url=meeting.get_absolute_url())
    return item


def decide_agenda_item(item, *, actor, accept, now=None):
    now = now or timezone.now()
    to = AgendaItem.Status.ACCEPTED if accept else AgendaItem.Status.REJECTED
    with transaction.atomic():
        item = AgendaItem.objects.select_for_update(of=("self",)).select_related("meeting__council__body", "proposed_by").get(
            pk=item.pk)
        AGENDA_FLOW.check(item, to=to, actor=actor)
        if item.meeting.status not in (Meeting.Status.NOTIFIED, Meeting.Status.IN_PROGRESS):
            raise CouncilError(_("会议已结束或已取消。"))
        item.status = to
        item.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        item.decided_at = now
        item.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(actor, "council.agenda.decide", item, body=item.meeting.council.body, now=now,
                     data={"accepted": bool(accept), "late": item.late})
        notify.later([item.proposed_by], "council_agenda_decided", item, body=item.meeting.council.body,
                     subject=notify.fmt(gettext_lazy("议题“%(title)s”：%(status)s"), title=item.title,
                                        status=item.get_status_display),
                     url=item.meeting.get_absolute_url())
    return item


# ---------------------------------------------------------------------------
# petitions (提议召开临时会议)


def _unit_seat(council, actor):
    seat = seat_of(council, actor)
    if seat is None or seat.unit_id is None:
        raise PermissionDenied(_("只有成员单位的代表或替补代表可以签署提议。"))
    return seat


def petition_progress(petition, *, units=None, signed=None):
    """{"signed": k, "units": n, "needed": m, "reached": bool} — "k of n units, needs m"."""
    council = petition.council
    if units is None:
        units = MemberUnit.objects.filter(council=council, status=MemberUnit.Status.ACTIVE).count()
    if signed is None:
        signed = petition.signatures.filter(unit__status=MemberUnit.Status.ACTIVE).count()
    needed = max(1, rules.petition_needed(council.body.policy, units))
    return {"signed": signed, "units": units, "needed": needed, "reached": signed >= needed}


def start_petition(council, *, actor, reason, now=None):
    """A member unit's representative starts a petition; their unit signs it at once."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise CouncilError(_("请填写提议事由。"))
    seat = _unit_seat(council, actor)
    with transaction.atomic():
        petition = Petition.objects.create(council=council, reason=reason, created_by=actor, created_at=now)
        audit.record(actor, "council.petition.start", petition, body=council.body, now=now, data={"reason": reason})
    sign_petition(petition, actor=actor, now=now, _seat=seat)
    petition.refresh_from_db()
    return petition


def sign_petition(petition, *, actor, now=None, _seat=None):
    """Sign for the actor's unit (once per unit). When the signatures reach the threshold the
    chair and the secretariat are told, once."""
    now = now or timezone.now()
    with transaction.atomic():
        petition = Petition.objects.select_for_update(of=("self",)).select_related("council__body__policy").get(pk=petition.pk)
        seat = _seat or _unit_seat(petition.council, actor)
        if petition.status not in (Petition.Status.OPEN, Petition.Status.REACHED):
            raise CouncilError(_("该提议已结束。"))
        if PetitionSignature.objects.filter(petition=petition, unit_id=seat.unit_id).exists():
            raise CouncilError(_("本单位已签署该提议。"))
        PetitionSignature.objects.create(petition=petition, unit_id=seat.unit_id, signed_by=actor, signed_at=now)
        progress = petition_progress(petition)
        audit.record(actor, "council.petition.sign", petition, body=petition.council.body, now=now,
                     data={"unit": seat.unit_id, **progress})
        if progress["reached"] and petition.status == Petition.Status.OPEN:
            PETITION_FLOW.check(petition, to=Petition.Status.REACHED, actor=None)
            petition.status = Petition.Status.REACHED
            petition.reached_at = now
            petition.save(update_fields=["status", "reached_at"])
            audit.record(None, "council.petition.reached", petition, body=petition.council.body, now=now,
                         data=progress)
            people = {u.pk: u for u in chairs_of(petition.council) + secretariat_of(petition.council)}
            notify.later(list(people.values()), "council_petition_reached", petition, body=petition.council.body,
                         subject=gettext_lazy("临时会议提议已达到法定比例，须召集会议"),
                         url=reverse("councils:petitions", args=[petition.council_id]),
                         dedupe_key=f"petition-reached-{petition.pk}", **progress)
    return petition


def withdraw_petition(petition, *, actor, now=None):
    with transaction.atomic():
        petition = Petition.objects.select_for_update(of=("self",)).select_related("council__body", "created_by").get(
            pk=petition.pk)
        PETITION_FLOW.check(petition, to=Petition.Status.WITHDRAWN, actor=actor)
        petition.status = Petition.Status.WITHDRAWN
        petition.save(update_fields=["status"])
        audit.record(actor, "council.petition.withdraw", petition, body=petition.council.body, now=now)
    return petition


def convene_from_petition(petition, *, actor, title, starts_at, ends_at, convener, kind=Meeting.Kind.SPECIAL,
                          mode=Meeting.Mode.IN_PERSON, place="", online_url="", now=None):
    """Create the ad-hoc meeting a reached petition asks for (a draft; notify it as usual)."""
    with transaction.atomic():
        petition = Petition.objects.select_for_update(of=("self",)).select_related("council__body").get(pk=petition.pk)
        PETITION_FLOW.check(petition, to=Petition.Status.CONVENED, actor=actor)
        meeting = create_meeting(petition.council, actor=actor, title=title, starts_at=starts_at, ends_at=ends_at,
                                 convener=convener, kind=kind, mode=mode, place=place, online_url=online_url,
                                 ad_hoc=True, petition=petition, now=now)
        petition.status = Petition.Status.CONVENED
        petition.meeting = meeting
        petition.save(update_fields=["status", "meeting"])
        audit.record(actor, "council.petition.convene", petition, body=petition.council.body, now=now,
                     data={"meeting": meeting.pk})
    return meeting
