"""Reads for the applicant side: open calls with their rules, the user's own applications,
an application's timeline. Each a constant number of SQL queries."""
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Prefetch, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import AuditEvent, Body

from ..models import Application, Attachment, Call, EligibilityRule

# Audit action codes of an application → the label the applicant sees.
ACTION_LABELS = {
    "experts.application.start": _("创建申请"),
    "experts.application.save_draft": _("保存草稿"),
    "experts.application.attachment_add": _("上传附件"),
    "experts.application.attachment_remove": _("删除附件"),
    "experts.application.submit": _("提交申请"),
    "experts.application.resubmit": _("修改后重新提交"),
    "experts.application.withdraw": _("撤回申请"),
    "experts.application.verify": _("所在单位已核实"),
    "experts.application.unit_verify": _("所在单位已核实"),
    "experts.application.return": _("退回修改"),
    "experts.application.reject": _("审核未通过"),
    "experts.application.forward": _("审核通过，报送审批"),
    "experts.application.approve": _("审批通过"),
    "experts.application.send_back": _("退回秘书处复核"),
    "experts.application.age_exemption": _("批准年龄豁免"),
    "experts.notice.publish": _("列入入库公示"),
    "experts.admit": _("入库，聘书已生成"),
}
OBJECTION_OUTCOME_LABELS = {True: _("异议成立，终止入库"), False: _("异议不成立")}
# Only these parts of an event's data are shown to the applicant (never internal notes).
PUBLIC_DATA = {
    "experts.application.return": ("comments",),
    "experts.application.reject": ("reason",),
    "experts.application.withdraw": ("reason",),
}
# Steps too small for the timeline.
QUIET_ACTIONS = {"experts.application.save_draft"}


def open_calls(now=None):
    """Active bodies with at least one open call, each with `open_calls` and `rules`
    (active eligibility rules) prefetched: three queries."""
    now = now or timezone.now()
    open_q = (Q(is_active=True) & (Q(opens_at__isnull=True) | Q(opens_at__lte=now))
              & (Q(closes_at__isnull=True) | Q(closes_at__gt=now)))
    calls = Call.objects.filter(open_q).order_by("closes_at", "-created_at")
    return (Body.objects.filter(is_active=True, calls__in=Call.objects.filter(open_q)).distinct()
            .select_related("policy")
            .prefetch_related(Prefetch("calls", queryset=calls, to_attr="open_calls"),
                              Prefetch("eligibility_rules", queryset=EligibilityRule.objects.filter(is_active=True)
                                       .order_by("order", "id"), to_attr="rules"))
            .order_by("order", "key"))


def body_for_application(key, now=None):
    """One active body with its open calls and rules, or None."""
    return open_calls_or_all(now).filter(key=key).first()


def open_calls_or_all(now=None):
    """Like open_calls() but keeps bodies without an open call (to say it is closed)."""
    now = now or timezone.now()
    open_q = (Q(is_active=True) & (Q(opens_at__isnull=True) | Q(opens_at__lte=now))
              & (Q(closes_at__isnull=True) | Q(closes_at__gt=now)))
    return (Body.objects.filter(is_active=True).select_related("policy")
            .prefetch_related(Prefetch("calls", queryset=Call.objects.filter(open_q), to_attr="open_calls"),
                              Prefetch("eligibility_rules", queryset=EligibilityRule.objects.filter(is_active=True)
                                       .order_by("order", "id"), to_attr="rules")))


def group_rules(rules):
    """Rules grouped by `group` (alternatives together), groups in order of first appearance."""
    groups = {}
    for rule in rules:
        groups.setdefault(rule.group, []).append(rule)
    return list(groups.values())


def my_applications(user):
    """The user's applications to every body: those still in progress first, then newest first."""
    live = Application.Status.DRAFT, Application.Status.SUBMITTED, Application.Status.RETURNED, \
        Application.Status.VERIFIED, Application.Status.FORWARDED, Application.Status.APPROVED, \
        Application.Status.IN_NOTICE
    return (Application.objects.filter(applicant=user).select_related("body", "call")
            .annotate(in_progress=Case(When(status__in=live, then=Value(0)), default=Value(1)))
            .order_by("in_progress", "-created_at", "-id"))


def own_application(user, pk):
    """The user's application with what the detail page shows, or None."""
    return (Application.objects.filter(applicant=user, pk=pk)
            .select_related("body", "body__policy", "profile", "call")
            .prefetch_related("fields", Prefetch("attachments", queryset=Attachment.objects.order_by(
                "kind", "uploaded_at")))
            .first())


def attachment_with_body(pk):
    return Attachment.objects.select_related("application__body").filter(pk=pk).first()


def timeline(application):
    """The application's audit events, oldest first, as dicts with a label, the time, who
    (the applicant or the body) and only the public part of the data."""
    ct = ContentType.objects.get_for_model(Application)
    pk = application.pk
    about = (Q(target_type=ct, target_id=str(pk))
             | Q(body_id=application.body_id, action="experts.notice.publish", data__applications__contains=[pk])
             | Q(body_id=application.body_id, action__in=["experts.admit", "experts.objection.decide"],
                 data__application=pk))
    events = (AuditEvent.objects.filter(about).exclude(action__in=QUIET_ACTIONS).order_by("created_at", "id")
              .only("action", "created_at", "actor_id", "data"))
    rows = []
    for event in events:
        data = event.data or {}
        public = {k: data[k] for k in PUBLIC_DATA.get(event.action, ()) if data.get(k)}
        if event.action.endswith("attachment_add") or event.action.endswith("attachment_remove"):
            public = {"name": data.get("name", "")}
        rows.append({
            "action": event.action,
            "label": (OBJECTION_OUTCOME_LABELS[bool(data.get("upheld"))] if event.action == "experts.objection.decide"
                      else ACTION_LABELS.get(event.action, _("办理记录"))),
            "at": event.created_at,
            "by_applicant": event.actor_id == application.applicant_id,
            "by_system": event.actor_id is None,
            "data": public,
        })
    return rows
