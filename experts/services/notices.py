"""Public notices (公示) of approved candidates, and closing them when they end.

    publish_notice(body, applications, actor=user)   APPROVED → IN_NOTICE, one Notice
    close_due_notices(now=now)                        the beat task's service (idempotent)

Objections against a candidate live in `experts.services.objections`; their verbs are
re-exported here so `experts.services.notices.<verb>` names every step of a notice.
"""
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.permissions import require

from ..models import Application, Notice, NoticeEntry, Objection
from ..workflows import APPLICATION_FLOW
from .common import format_number, localdate, next_sequence, pool_settings, public_snapshot
from .objections import (  # noqa: F401  (re-exported: the interface names of part C)
    OBJECTION_FLOW,
    ObjectionError,
    accept_objection,
    decide_objection,
    decline_objection,
    file_objection,
    objection_letter_pdf,
    remind_overdue_objections,
)

log = logging.getLogger(__name__)

UNDECIDED = [Objection.Status.FILED, Objection.Status.ACCEPTED]


class NoticeError(ValidationError):
    """A notice cannot be published as asked (shown on the publish form)."""


def notice_period(body, now=None):
    """The period a notice published `now` would run: a workdays.DeadlineResult
    (end_date, end_at = 24:00 of end_date, provisional) from the body's policy."""
    policy = body.policy
    return workdays.deadline_end(localdate(now), policy.notice_workdays,
                                 count_start=policy.count_publication_day)


def default_title(body, now=None):
    return _("%(body)s入库人选公示（%(year)s年）") % {"body": body.name_zh, "year": localdate(now).year}


def default_text(body):
    return pool_settings(body).notice_text_zh


def notice_number(body, year):
    """The next notice number of the body, e.g. 粤质促公示〔2026〕3号 (call inside a transaction)."""
    settings = pool_settings(body)
    seq = next_sequence(body, "notice", year)
    return format_number(settings.notice_number_format, prefix=settings.notice_prefix or body.key.upper(),
                         year=year, seq=seq)


def publish_notice(body, applications, *, actor, title=None, text=None, now=None):
    """Publish approved applications of `body` in a public notice. The period comes from the
    body's policy and is stored with a copy of the policy on the notice; each candidate gets a
    public snapshot (name, employer, title, fields — nothing private); applications move
    APPROVED → IN_NOTICE; every candidate is told."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_experts", body)
    ids = sorted({a.pk for a in applications})
    if not ids:
        raise NoticeError({"applications": [_("请至少选择一名拟入库人选。")]})
    title = (title or "").strip() or default_title(body, now)
    if len(title) > Notice._meta.get_field("title").max_length:
        raise NoticeError({"title": [_("标题最多 200 个字符。")]})
    text = default_text(body) if text is None else text.strip()
    with transaction.atomic():
        locked = list(Application.objects.select_for_update(of=("self",)).filter(pk__in=ids)
                      .select_related("profile", "applicant").prefetch_related("fields").order_by("submitted_at", "pk"))
        if len(locked) != len(ids) or any(a.body_id != body.pk for a in locked):
            raise NoticeError({"applications": [_("所选申请不属于本机构或已不存在。")]})
        not_ready = [a for a in locked if a.status != Application.Status.APPROVED]
        if not_ready:
            raise NoticeError({"applications": [
                _("以下申请不是“已批准”状态，不能公示：%(names)s") % {"names": "、".join(a.profile.name for a in not_ready)}]})
        for app in locked:
            APPLICATION_FLOW.check(app, to=Application.Status.IN_NOTICE, actor=actor)
        policy = body.policy
        today = localdate(now)
        period = workdays.deadline_end(today, policy.notice_workdays, count_start=policy.count_publication_day)
        notice = Notice.objects.create(
            body=body, kind=Notice.Kind.ADMISSION, number=notice_number(body, today.year), title=title, text=text,
            status=Notice.Status.OPEN, published_at=now, starts_on=today, ends_on=period.end_date,
            ends_at=period.end_at, provisional=period.provisional, policy_snapshot=policy.snapshot(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        NoticeEntry.objects.bulk_create([
            NoticeEntry(notice=notice, application=app, order=i, **public_snapshot(app))
            for i, app in enumerate(locked, start=1)
        ])
        Application.objects.filter(pk__in=ids).update(status=Application.Status.IN_NOTICE, updated_at=now)
        for app in locked:
            app.status = Application.Status.IN_NOTICE
        audit.record(actor, "experts.notice.publish", notice, body=body, now=now, data={
            "number": notice.number, "applications": ids, "starts_on": today, "ends_on": period.end_date,
            "ends_at": period.end_at, "provisional": period.provisional,
            "notice_workdays": policy.notice_workdays, "count_publication_day": policy.count_publication_day,
        })
        notify.later(
            [a.applicant for a in locked], "notice_published", notice, body=body,
            subject=notify.fmt(gettext_lazy("您已列入“%(body)s”入库公示"), body=body.name_zh),
            ends_display=partial(workdays.format_deadline, period), provisional=period.provisional)
    return notice


def _entries_to_settle(notice):
    undecided = Objection.objects.filter(entry=OuterRef("pk"), status__in=UNDECIDED)
    upheld = Objection.objects.filter(entry=OuterRef("pk"), status=Objection.Status.UPHELD)
    return (NoticeEntry.objects.select_for_update(of=("self",))
            .filter(notice=notice, outcome=NoticeEntry.Outcome.PENDING).select_related("application").annotate(has_undecided=Exists(undecided), has_upheld=Exists(upheld))
            .order_by("order", "pk"))


def settle_notice(notice, *, now=None):
    """Decide every pending candidate of an ended notice (call with the notice row locked):
    an undecided objection keeps the candidate pending; an upheld one stops them; everyone
    else is admitted. The notice closes when nobody is pending. Returns (closed, changes)."""
    from .admission import admit  # part D; imported here to keep the import graph one-way

    now = now or timezone.now()
    changes = {"admitted": [], "stopped": [], "pending": [], "failed": []}
    for entry in _entries_to_settle(notice):
        if entry.has_undecided:
            changes["pending"].append(entry.pk)
            continue
        if entry.has_upheld:
            entry.outcome = NoticeEntry.Outcome.STOPPED
            entry.save(update_fields=["outcome"])
            app = Application.objects.select_for_update().get(pk=entry.application_id)
            if app.status == Application.Status.IN_NOTICE:
                app.status = Application.Status.STOPPED
                app.decided_at = now
                app.save(update_fields=["status", "decided_at", "updated_at"])
            changes["stopped"].append(entry.pk)
            continue
        try:
            with transaction.atomic():  # a savepoint: a refused admission leaves the others intact
                admit(entry.application, actor=None, now=now)
                entry.outcome = NoticeEntry.Outcome.ADMITTED
                entry.save(update_fields=["outcome"])
        except ValidationError as exc:  # e.g. already a member: staff must look; retried on the next run
            log.warning("admission of notice entry %s refused: %s", entry.pk, "; ".join(exc.messages))
            changes["pending"].append(entry.pk)
            changes["failed"].append({"entry": entry.pk, "messages": exc.messages})
        else:
            changes["admitted"].append(entry.pk)
    closed = not changes["pending"]
    if closed:
        notice.status = Notice.Status.CLOSED
        notice.closed_at = now
        notice.save(update_fields=["status", "closed_at"])
    if closed or changes["admitted"] or changes["stopped"]:
        audit.record(None, "experts.notice.close" if closed else "experts.notice.settle", notice,
                     body=notice.body, now=now, data=changes)
    if closed:
        _publish_result(notice, now=now)
    return closed, changes


def _publish_result(notice, *, now):
    """A closed notice publishes the admission result (入库结果公告) of everyone it admitted —
    once, since a notice closes once."""
    from ..models import Expert
    from .admission import publish_admission_result

    admitted = list(Expert.objects.filter(application__notice_entries__notice=notice,
                                          status=Expert.Status.ACTIVE).order_by("certificate_no"))
    if admitted:
        publish_admission_result(notice.body, admitted, actor=None, now=now)


def close_due_notices(*, now=None):
    """Settle every open notice whose period has ended (ends_at <= now). Idempotent: a second
    run finds nothing new to do; rows another worker holds are skipped. Returns the number of
    notices closed by this run."""
    now = now or timezone.now()
    due = list(Notice.objects.filter(status=Notice.Status.OPEN, kind=Notice.Kind.ADMISSION, ends_at__lte=now)
               .order_by("ends_at", "pk").values_list("pk", flat=True))
    closed_count = 0
    for pk in due:
        with transaction.atomic():
            notice = (Notice.objects.select_for_update(skip_locked=True, of=("self",)).select_related("body")
                      .filter(pk=pk, status=Notice.Status.OPEN, ends_at__lte=now).first())
            if notice is None:
                continue
            closed, _changes = settle_notice(notice, now=now)
            closed_count += int(closed)
    return closed_count
