"""Reads for the secretariat's vetting queue, the review page and the approver's list.
Each function runs a constant number of SQL queries, whatever the number of rows."""
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import AuditEvent
from portal.permissions import bodies_for

from ..models import Application, Attachment, ExpertField, ExpertProfile
from ..services.vetting import SECTION_LABELS

S = Application.Status

# What the secretariat still has to act on.
WAITING_FOR_VETTING = (S.SUBMITTED, S.VERIFIED)
# The queue shows submitted applications; drafts only when asked for (e.g. to record an age exemption).
QUEUE_DEFAULT_EXCLUDES = (S.DRAFT,)
# A pseudo-status of the queue filter: everything the secretariat still has to act on.
WAITING = "waiting"

# Profile fields shown on the review page, by section of the form (Application.SECTIONS).
PROFILE_SECTIONS = {
    "identity": ["name", "gender", "birth_date", "id_type", "id_number"],
    "contact": ["phone", "email", "address"],
    "work": ["employer", "employer_type", "position", "is_executive", "executive_since", "region"],
    "qualifications": ["title", "title_level", "degree", "degree_year", "licence", "licence_year", "work_since"],
    "fields": [],
    "cv": ["cv"],
    "interests": ["recent_employers", "close_relations", "shareholdings"],
    "attachments": [],
}

EXPORT_HEADERS = (gettext_lazy("申请编号"), gettext_lazy("姓名"), gettext_lazy("工作单位"), gettext_lazy("职称"),
                  gettext_lazy("领域"), gettext_lazy("地区"), gettext_lazy("状态"), gettext_lazy("提交时间"))


def field_tree(body):
    """The body's fields as [(field, depth)] in tree order (one query)."""
    nodes = list(ExpertField.objects.filter(body=body).order_by("order", "code"))
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered = []

    def walk(parent_id, depth):
        for node in children.get(parent_id, []):
            ordered.append((node, depth))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return ordered


def _descendant_ids(field):
    """The field and every field below it (one query)."""
    tree = {}
    for pk, parent_id in ExpertField.objects.filter(body_id=field.body_id).values_list("pk", "parent_id"):
        tree.setdefault(parent_id, []).append(pk)
    ids, todo = [], [field.pk]
    while todo:
        pk = todo.pop()
        ids.append(pk)
        todo.extend(tree.get(pk, []))
    return ids


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def queue(body, *, status="", field=None, region="", title_level="", submitted_from=None, submitted_to=None,
          q=""):
    """A body's applications for the vetting queue, newest submission first."""
    qs = (Application.objects.filter(body=body)
          .select_related("profile")
          .prefetch_related("fields"))
    if status == WAITING:
        qs = qs.filter(status__in=WAITING_FOR_VETTING)
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status__in=QUEUE_DEFAULT_EXCLUDES)
    if field is not None:
        through = Application.fields.through
        qs = qs.filter(Exists(through.objects.filter(application_id=OuterRef("pk"),
                                                     expertfield_id__in=_descendant_ids(field))))
    if region:
        qs = qs.filter(profile__region=region)
    if title_level:
        qs = qs.filter(profile__title_level=title_level)
    if submitted_from:
        qs = qs.filter(submitted_at__gte=_day_start(submitted_from))
    if submitted_to:
        qs = qs.filter(submitted_at__lt=_day_start(submitted_to + timedelta(days=1)))
    if q:
        qs = qs.filter(Q(profile__name__icontains=q) | Q(profile__employer__icontains=q))
    return qs.order_by("-submitted_at", "-pk")


def regions(body):
    """Regions of the body's applicants, for the queue filter (one query)."""
    return list(ExpertProfile.objects.filter(applications__body=body).exclude(region="")
                .values_list("region", flat=True).distinct().order_by("region"))


def export_rows(qs):
    """Rows of the queue export. Personal data is minimised: no ID number, phone, e-mail or address."""
    for app in qs.iterator(chunk_size=2000):
        p = app.profile
        yield (app.pk, p.name, p.employer, p.title or p.get_title_level_display(),
               "、".join(f.name for f in app.fields.all()), p.region, app.get_status_display(),
               timezone.localtime(app.submitted_at) if app.submitted_at else "")


def application_for_review(body, pk):
    """One application of the body with what the review page shows (constant queries).
    Raises Application.DoesNotExist for another body's application."""
    return (Application.objects.filter(body=body)
            .select_related("profile", "applicant", "body__policy", "age_exemption_by",
                            "unit_verification__recorded_by")
            .prefetch_related("fields", "attachments")
            .get(pk=pk))


ACTION_LABELS = {
    "experts.application.start": gettext_lazy("开始填写申请"),
    "experts.application.save_draft": gettext_lazy("保存草稿"),
    "experts.application.attachment_add": gettext_lazy("上传附件"),
    "experts.application.attachment_remove": gettext_lazy("删除附件"),
    "experts.application.submit": gettext_lazy("提交申请"),
    "experts.application.resubmit": gettext_lazy("修改后重新提交"),
    "experts.application.withdraw": gettext_lazy("撤回申请"),
    "experts.application.verify": gettext_lazy("登记单位核实"),
    "experts.application.return": gettext_lazy("退回修改"),
    "experts.application.reject": gettext_lazy("不予通过"),
    "experts.application.forward": gettext_lazy("提交审批"),
    "experts.application.approve": gettext_lazy("批准"),
    "experts.application.send_back": gettext_lazy("退回秘书处"),
    "experts.application.age_exemption": gettext_lazy("登记年龄豁免"),
    "experts.notice.publish": gettext_lazy("列入公示"),
    "experts.admit": gettext_lazy("入库"),
}


def history(application):
    """Every recorded step of the application, oldest first (one query): its own events,
    the notice that listed it and its admission."""
    events = list(AuditEvent.objects.filter(body_id=application.body_id).filter(
        Q(target_type=ContentType.objects.get_for_model(Application), target_id=str(application.pk))
        | Q(action="experts.notice.publish", data__applications__contains=[application.pk])
        | Q(action="experts.admit", data__application=application.pk))
        .select_related("actor").order_by("seq"))
    for e in events:
        e.label = ACTION_LABELS.get(e.action, e.action)
        data = e.data if isinstance(e.data, dict) else {}
        e.reason = data.get("reason", "")
        comments = data.get("comments") if isinstance(data.get("comments"), dict) else {}
        e.comments = [(SECTION_LABELS.get(k, k), v) for k, v in comments.items()]
    return events


def _display(name, value):
    field = ExpertProfile._meta.get_field(name)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "；".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    return value


def snapshot_sections(application):
    """The submitted application by section: [(section, label, [(label, value)])].
    Reads `application.snapshot` (what the applicant submitted); before the first submission
    it falls back to the live profile and says so with `from_profile=True`."""
    snap = application.snapshot if isinstance(application.snapshot, dict) else {}
    flat = dict(snap)  # experts.services.applications.build_snapshot: profile fields + field names etc.
    from_profile = not flat
    profile = application.profile
    sections = []
    for section in Application.SECTIONS:
        rows = []
        for name in PROFILE_SECTIONS[section]:
            value = getattr(profile, name) if from_profile else flat.get(name)
            if value in (None, "", []):
                continue
            rows.append((ExpertProfile._meta.get_field(name).verbose_name, _display(name, value)))
        if section == "fields":
            names = flat.get("field_names") if not from_profile else None
            if isinstance(names, list) and names:
                rows.append((_("专业领域"), "、".join(str(n) for n in names)))
            else:
                rows.append((_("专业领域"), "、".join(f.name for f in application.fields.all())))
            years = flat.get("field_years", application.field_years)
            if years not in (None, ""):
                rows.append((Application._meta.get_field("field_years").verbose_name, years))
        if section == "cv":
            statement = flat.get("statement", application.statement)
            if statement:
                rows.append((Application._meta.get_field("statement").verbose_name, statement))
        if section != "attachments":
            sections.append((section, SECTION_LABELS[section], rows))
    return sections, from_profile


def eligibility_rows(application):
    """The stored eligibility results (list of dicts written on submission)."""
    rows = []
    for r in application.eligibility or []:
        if not isinstance(r, dict):
            continue
        rows.append({
            "label": r.get("label", ""), "ok": bool(r.get("ok")), "applicable": r.get("applicable", True),
            "message": r.get("message", ""), "clause": r.get("clause", ""), "group": r.get("group", ""),
        })
    return rows


def attachments(application):
    return list(Attachment.objects.filter(application=application).order_by("kind", "uploaded_at"))


def approvals(body):
    """Forwarded applications waiting for the approver, oldest first."""
    return (Application.objects.filter(body=body, status=S.FORWARDED)
            .select_related("profile").prefetch_related("fields")
            .order_by("updated_at", "pk"))


def pending_tasks(user):
    """The vetting work waiting for `user`, one entry per body (for portal's "my tasks"):
    applications to vet where the user has manage_experts, to approve where the user has approve."""
    tasks = []
    vet_bodies = list(bodies_for(user, "manage_experts"))
    if vet_bodies:
        counts = dict(Application.objects.filter(body__in=vet_bodies, status__in=WAITING_FOR_VETTING)
                      .order_by().values("body_id").annotate(n=Count("pk")).values_list("body_id", "n"))
        for body in vet_bodies:
            if counts.get(body.pk):
                tasks.append({
                    "title": _("“%(body)s”有 %(n)s 份入库申请待审核") % {"body": body.name, "n": counts[body.pk]},
                    "url": f'{reverse("experts:queue", args=[body.key])}?status={WAITING}',
                    "due_display": "",
                })
    approve_bodies = list(bodies_for(user, "approve"))
    if approve_bodies:
        counts = dict(Application.objects.filter(body__in=approve_bodies, status=S.FORWARDED)
                      .order_by().values("body_id").annotate(n=Count("pk")).values_list("body_id", "n"))
        for body in approve_bodies:
            if counts.get(body.pk):
                tasks.append({
                    "title": _("“%(body)s”有 %(n)s 份入库申请待审批") % {"body": body.name, "n": counts[body.pk]},
                    "url": reverse("experts:approvals", args=[body.key]),
                    "due_display": "",
                })
    return tasks
