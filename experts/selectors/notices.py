"""Read queries of public notices and objections, each a constant number of SQL queries.

Public selectors return public columns only: a notice's candidates come from the public
snapshot on NoticeEntry (name, employer, title, fields), never from the profile.
"""
from django.db.models import BooleanField, Case, Count, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from portal import workdays
from portal.models import Body

from ..models import Application, Notice, NoticeEntry, Objection

PUBLIC_ENTRY_FIELDS = ("id", "notice_id", "order", "public_name", "public_employer", "public_title", "public_fields",
                       "outcome")
UNDECIDED = [Objection.Status.FILED, Objection.Status.ACCEPTED]


def end_display(notice):
    """'2026年10月15日 24:00' — the end of a notice's period."""
    return workdays.format_deadline(notice.ends_on)


def public_notices(*, body_key=None):
    """Notices for /notices/: open ones first (soonest end first), then closed ones (newest first)."""
    qs = (Notice.objects.filter(body__is_active=True).select_related("body")
          .only("id", "kind", "number", "title", "status", "published_at", "starts_on", "ends_on", "ends_at",
                "provisional", "closed_at", "body__id", "body__key", "body__name_zh", "body__name_en")
          .annotate(open_first=Case(When(status=Notice.Status.OPEN, then=Value(0)), default=Value(1),
                                    output_field=IntegerField()),
                    candidate_count=Count("entries")))
    if body_key:
        qs = qs.filter(body__key=body_key)
    return qs.order_by("open_first", Case(When(status=Notice.Status.OPEN, then="ends_at")), "-published_at", "-pk")


def public_notice_bodies():
    """Bodies that have published a notice (the filter of /notices/)."""
    return Body.objects.filter(is_active=True, notices__isnull=False).distinct().order_by("order", "key")


def public_notice(pk):
    """One notice with its body (or None)."""
    return Notice.objects.select_related("body").filter(pk=pk, body__is_active=True).first()


def public_notice_rows(notice):
    """The candidates of a notice: public snapshot columns only."""
    return list(NoticeEntry.objects.filter(notice=notice).only(*PUBLIC_ENTRY_FIELDS).order_by("order", "pk"))


def open_entries(notice):
    """Candidates of a notice against whom an objection can still be filed."""
    return NoticeEntry.objects.filter(notice=notice, outcome=NoticeEntry.Outcome.PENDING).only(
        *PUBLIC_ENTRY_FIELDS).order_by("order", "pk")


def is_open(notice, now=None):
    now = now or timezone.now()
    return notice.status == Notice.Status.OPEN and now < notice.ends_at


def open_public_notices(limit=10):
    """Open notices for the home page: [{title, url, body_name, ends_display, ends_at, provisional}]."""
    now = timezone.now()
    qs = (Notice.objects.filter(status=Notice.Status.OPEN, body__is_active=True, ends_at__gt=now)
          .select_related("body").order_by("ends_at", "pk")[:limit])
    return [{
        "title": n.title, "url": reverse("experts:notice-detail", args=[n.pk]), "body_name": n.body.name,
        "ends_display": end_display(n), "ends_at": n.ends_at, "provisional": n.provisional,
    } for n in qs]


def publishable_applications(body):
    """Approved applications of a body, ready for a notice."""
    return (Application.objects.filter(body=body, status=Application.Status.APPROVED)
            .select_related("profile").prefetch_related("fields").order_by("decided_at", "submitted_at", "pk"))


def staff_objections(body, *, status="", overdue=False, q="", now=None):
    """Objections of a body's notices for staff, with `is_overdue` (accepted and past decide_by)."""
    now = now or timezone.now()
    qs = (Objection.objects.filter(notice__body=body)
          .select_related("notice", "entry", "handled_by")
          .annotate(is_overdue=Case(When(status=Objection.Status.ACCEPTED, decide_by__lte=now, then=Value(True)),
                                    default=Value(False), output_field=BooleanField())))
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=Objection.Status.ACCEPTED, decide_by__lte=now)
    if q:
        qs = qs.filter(Q(receipt_no__icontains=q) | Q(entry__public_name__icontains=q)
                       | Q(objector_name__icontains=q) | Q(notice__number__icontains=q))
    return qs.order_by(Case(When(status__in=UNDECIDED, then=Value(0)), default=Value(1), output_field=IntegerField()),
                       "decide_by", "-filed_at", "-pk")


def staff_objection(body, pk, now=None):
    now = now or timezone.now()
    return (Objection.objects.filter(notice__body=body, pk=pk)
            .select_related("notice__body", "entry__application__applicant", "objector_user", "handled_by")
            .annotate(is_overdue=Case(When(status=Objection.Status.ACCEPTED, decide_by__lte=now, then=Value(True)),
                                      default=Value(False), output_field=BooleanField()))
            .first())


def body_notices(body, limit=10):
    """A body's latest notices (the staff publish page)."""
    return list(Notice.objects.filter(body=body).order_by("-published_at", "-pk")[:limit])


def objection_for_letter(body, pk):
    """An objection of the body with what its letter and its permission check need (or None)."""
    return (Objection.objects.select_related("notice__body", "entry__application")
            .filter(pk=pk, notice__body=body).first())


__all__ = [
    "body_notices", "end_display", "is_open", "objection_for_letter", "open_entries", "open_public_notices",
    "public_notice", "public_notice_bodies", "public_notice_rows", "public_notices", "publishable_applications",
    "staff_objection", "staff_objections",
]
