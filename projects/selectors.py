"""Read queries of projects: each list is a constant number of SQL queries."""
from django.db.models import Count, Prefetch, Q

from .models import (Announcement, ClosingReport, ClosingReview, JoinRequest, Output, OutputKind, Project,
                     ProjectObjection)

S = Project.Status
PUBLIC_STATUSES = [S.IN_NOTICE, S.IN_PROGRESS, S.TERMINATION_PENDING, S.TERMINATED, S.CLOSING, S.REVISION,
                   S.CLOSED, S.FAILED, S.ARCHIVED]


def _list_qs():
    return (Project.objects.select_related("body", "owner_org")
            .only("pk", "number", "title", "field", "status", "year", "created_at", "updated_at", "submitted_at",
                  "notice_ends_at", "body__key", "body__name_zh", "body__name_en", "owner_org__name"))


def staff_projects(body, *, status="", field="", q=""):
    qs = _list_qs().filter(body=body)
    if status:
        qs = qs.filter(status=status)
    if field:
        qs = qs.filter(field=field)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(owner_org__name__icontains=q))
    return qs.order_by("-created_at", "-id")


def my_projects(user):
    """Projects of the user's units: owned, or joined as a partner."""
    return (_list_qs().filter(Q(owner_org__members=user) | Q(partners__organisation__members=user))
            .distinct().order_by("-created_at", "-id"))


def my_reviews(user):
    return (ClosingReview.objects.filter(reviewer=user, report__project__status=S.CLOSING)
            .select_related("report__project").order_by("submitted_at", "pk"))


def project_detail(pk):
    return (Project.objects.select_related("body", "body__policy", "owner_org", "created_by")
            .prefetch_related(
                "milestones__reports", "team", "partners", "budget_lines", "documents", "outputs",
                Prefetch("join_requests", queryset=JoinRequest.objects.select_related("organisation", "requested_by")),
                Prefetch("objections", queryset=ProjectObjection.objects.order_by("-filed_at")),
                "adjustments", "versions__approved_by", "announcements",
                Prefetch("closing_reports", queryset=ClosingReport.objects.prefetch_related("reviews__reviewer")))
            .filter(pk=pk).first())


def history(project):
    """Every audited step of the project (and of its join requests, objections, adjustments,
    reports and reviews), oldest first: one query."""
    from django.contrib.contenttypes.models import ContentType

    from portal.models import AuditEvent

    ct = ContentType.objects.get_for_model(Project)
    return list(AuditEvent.objects.filter(body_id=project.body_id)
                .filter(Q(target_type=ct, target_id=str(project.pk)) | Q(data__project=project.pk))
                .select_related("actor").order_by("seq"))


def public_notices():
    """Projects in public notice, newest first (public columns only)."""
    return (Project.objects.filter(status=S.IN_NOTICE).select_related("body", "owner_org")
            .only("pk", "number", "title", "field", "goals", "expected_outputs", "notice_starts_on",
                  "notice_ends_on", "notice_ends_at", "body__key", "body__name_zh", "body__name_en",
                  "owner_org__name")
            .order_by("-notice_starts_on", "-pk"))


def public_project(pk):
    """A project as the public may see it: only once published (notice or later)."""
    return (Project.objects.filter(pk=pk, status__in=PUBLIC_STATUSES).select_related("body", "owner_org")
            .prefetch_related("milestones", "outputs",
                              Prefetch("partners"), Prefetch("announcements"))
            .first())


def announcements(limit=20):
    return Announcement.objects.select_related("project").order_by("-published_at", "-id")[:limit]


def _rows(qs, key, labels=None):
    rows = [(r[key], r["n"]) for r in qs]
    return [{"key": k, "label": (labels.get(k, k) if labels else k) if k is not None else "—", "value": n}
            for k, n in rows]


def with_shares(rows):
    top = max([r["value"] for r in rows] or [0])
    for r in rows:
        r["pct"] = round(r["value"] * 100 / top, 1) if top else 0
    return rows


def public_stats(*, body=None, top_units=15):
    """Statistics of published projects: by status, field, year, unit (top N), and outputs
    by kind (total, published). Five aggregate queries, however many projects there are."""
    base = Project.objects.filter(status__in=PUBLIC_STATUSES)
    if body is not None:
        base = base.filter(body=body)
    status_labels = dict(S.choices)
    by_status = _rows(base.values("status").annotate(n=Count("id")).order_by("-n", "status"), "status", status_labels)
    by_field = _rows(base.values("field").annotate(n=Count("id")).order_by("-n", "field"), "field",
                     dict(Project.Field.choices))
    by_year = _rows(base.values("year").annotate(n=Count("id")).order_by("year"), "year")
    by_unit = _rows(base.values("owner_org__name").annotate(n=Count("id")).order_by("-n", "owner_org__name")
                    [:top_units], "owner_org__name")
    outputs_qs = Output.objects.filter(project__in=base.values("pk"))
    kinds = dict(OutputKind.choices)
    outputs = [{"key": r["kind"], "label": kinds.get(r["kind"], r["kind"]), "value": r["n"], "published": r["p"]}
               for r in outputs_qs.values("kind").annotate(n=Count("id"), p=Count("id", filter=Q(published=True)))
               .order_by("-n", "kind")]
    total = sum(r["value"] for r in by_status)
    return {
        "total": total,
        "by_status": with_shares(by_status), "by_field": with_shares(by_field),
        "by_year": with_shares(by_year), "by_unit": with_shares(by_unit), "outputs": with_shares(outputs),
    }


def export_rows(body, *, status="", field="", q=""):
    """Rows of the staff Excel export, with the list page's filters (one query, streamed)."""
    status_labels, field_labels = dict(S.choices), dict(Project.Field.choices)
    qs = (staff_projects(body, status=status, field=field, q=q).order_by("created_at", "pk")
          .values_list("number", "title", "field", "status", "owner_org__name", "lead_name", "year", "starts_on",
                       "ends_on", "version", "submitted_at", "approved_at", "closing_outcome")
          .annotate(outputs=Count("outputs", distinct=True), partners=Count("partners", distinct=True)))
    for row in qs.iterator(chunk_size=2000):
        row = list(row)
        row[2] = str(field_labels.get(row[2], row[2]))
        row[3] = str(status_labels.get(row[3], row[3]))
        row[12] = str(dict(Project.Outcome.choices).get(row[12], "")) if row[12] else ""
        yield row
