"""Minutes (会议纪要): drafted from the meeting, reviewed, signed by the convener (which locks
them with a content hash), distributed to every seat holder.

    draft_minutes(meeting, *, actor, text=None)      create or refresh the draft (content from the meeting)
    submit_minutes(minutes, *, actor)                draft → review (the convener is asked to sign); alias submit_for_review
    return_minutes(minutes, *, actor)                review → draft
    sign_minutes(minutes, *, actor)                  the convener only; locks (content_hash)
    distribute_minutes(minutes, *, actor)            notifies every seat holder
    minutes_hash(minutes) / verify_minutes(minutes)
"""
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import require

from .. import selectors
from ..models import Meeting, Minutes
from ..workflows import MINUTES_FLOW
from .common import CouncilError, canonical_hash, seat_holders_of


def _iso(value):
    """Beijing time, ISO 8601 (what the minutes and their PDF show)."""
    return timezone.localtime(value).isoformat() if value else None


def meeting_content(meeting):
    """The snapshot the minutes carry: attendance intervals with times, agenda, motions and tallies."""
    attendance = [{
        "seat": a.seat_id, "seat_name": a.seat.occupant_name, "role": a.seat.role,
        "role_label": str(a.seat.get_role_display()), "attendee": a.attendee.name, "as_substitute": a.as_substitute,
        "checked_in_at": _iso(a.checked_in_at),
        "checked_out_at": _iso(a.checked_out_at), "method": a.method,
    } for a in selectors.attendance_rows(meeting)]
    agenda = [{"order": i.order, "title": i.title, "late": i.late, "status": i.status,
               "proposed_by": i.proposed_by.name}
              for i in meeting.agenda_items.select_related("proposed_by").order_by("order", "pk")]
    motions = []
    for m in meeting.motions.order_by("number").select_related("resolution"):
        motions.append({
            "number": m.number, "title": m.title, "kind": m.kind, "secret": m.secret, "status": m.status,
            "result": m.result, "tally": m.tally, "members": m.members_count, "present": m.present_count,
            "roster_hash": m.roster_hash,
            "resolution": getattr(getattr(m, "resolution", None), "number", None),
        })
    return {
        "meeting": {"id": meeting.pk, "number": meeting.number, "title": meeting.title, "kind": meeting.kind,
                    "mode": meeting.mode, "place": meeting.place, "starts_at": _iso(meeting.starts_at),
                    "ends_at": _iso(meeting.ends_at), "convener": meeting.convener.name,
                    "opened_at": _iso(meeting.opened_at),
                    "closed_at": _iso(meeting.closed_at)},
        "attendance": attendance, "agenda": agenda, "motions": motions,
    }


def minutes_hash(minutes):
    return canonical_hash({"meeting": minutes.meeting_id, "text": minutes.text, "content": minutes.content})


def verify_minutes(minutes):
    """True when signed minutes still match their hash."""
    return bool(minutes.content_hash) and minutes.content_hash == minutes_hash(minutes)


def draft_minutes(meeting, *, actor, text=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council__body", "convener").get(pk=meeting.pk)
        if actor is not None:
            require(actor, "manage_council", meeting.council.body)
        if meeting.status != Meeting.Status.CLOSED:
            raise CouncilError(_("会议结束后才能起草纪要。"))
        minutes, created = Minutes.objects.select_for_update(of=("self",)).get_or_create(meeting=meeting)
        if minutes.locked:
            raise CouncilError(_("纪要已签发，不能修改。"))
        if minutes.status != Minutes.Status.DRAFT:
            raise CouncilError(_("纪要正在审阅，请先退回修改。"))
        minutes.content = meeting_content(meeting)
        if text is not None:
            minutes.text = text
        minutes.drafted_by = actor if getattr(actor, "is_authenticated", False) else None
        minutes.drafted_at = now
        minutes.save()
        audit.record(actor, "council.minutes.draft", minutes, body=meeting.council.body, now=now,
                     data={"created": created, "text_length": len(minutes.text)})
    return minutes


def _move(minutes, to, action, *, actor, now):
    minutes = Minutes.objects.select_for_update(of=("self",)).select_related("meeting__council__body", "meeting__convener").get(
        pk=minutes.pk)
    MINUTES_FLOW.check(minutes, to=to, actor=actor)
    minutes.status = to
    return minutes


def submit_minutes(minutes, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        minutes = _move(minutes, Minutes.Status.REVIEW, "submit", actor=actor, now=now)
        if not minutes.text.strip():
            raise CouncilError(_("请先填写纪要正文。"))
        minutes.save(update_fields=["status"])
        audit.record(actor, "council.minutes.submit", minutes, body=minutes.meeting.council.body, now=now)
        notify.later([minutes.meeting.convener], "council_minutes_review", minutes, body=minutes.meeting.council.body,
                     subject=notify.fmt(gettext_lazy("会议纪要待签发：%(title)s"), title=minutes.meeting.title),
                     url=reverse("councils:minutes", args=[minutes.meeting_id]))
    return minutes


def return_minutes(minutes, *, actor, now=None):
    with transaction.atomic():
        minutes = _move(minutes, Minutes.Status.DRAFT, "return", actor=actor, now=now)
        minutes.save(update_fields=["status"])
        audit.record(actor, "council.minutes.return", minutes, body=minutes.meeting.council.body, now=now)
    return minutes


def sign_minutes(minutes, *, actor, now=None):
    """The convener signs: a recorded act by that person only. The minutes are locked."""
    now = now or timezone.now()
    with transaction.atomic():
        minutes = _move(minutes, Minutes.Status.SIGNED, "sign", actor=actor, now=now)
        minutes.signed_by = actor
        minutes.signed_at = now
        minutes.content_hash = minutes_hash(minutes)
        minutes.save(update_fields=["status", "signed_by", "signed_at", "content_hash"])
        audit.record(actor, "council.minutes.sign", minutes, body=minutes.meeting.council.body, now=now,
                     data={"content_hash": minutes.content_hash})
    return minutes


def distribute_minutes(minutes, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        minutes = _move(minutes, Minutes.Status.DISTRIBUTED, "distribute", actor=actor, now=now)
        if not verify_minutes(minutes):
            raise CouncilError(_("纪要内容与签发时的哈希不一致，不能分发。"))
        minutes.distributed_at = now
        minutes.save(update_fields=["status", "distributed_at"])
        audit.record(actor, "council.minutes.distribute", minutes, body=minutes.meeting.council.body, now=now,
                     data={"content_hash": minutes.content_hash})
        notify.later(seat_holders_of(minutes.meeting.council), "council_minutes_distributed", minutes,
                     body=minutes.meeting.council.body,
                     subject=notify.fmt(gettext_lazy("会议纪要：%(title)s"), title=minutes.meeting.title),
                     url=reverse("councils:minutes", args=[minutes.meeting_id]))
    return minutes


# the name used by the councils spec
submit_for_review = submit_minutes
