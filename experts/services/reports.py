"""报备 (prior reports): before acting externally in the committee's name — a talk, an
article, a consultation — the expert files a report (what, when, where, audience); staff
acknowledge it or object with a reason; the expert is notified either way."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import users_with
from portal.workflows import Flow

from ..models import Expert, PriorReport

S = PriorReport.Status

REPORT_FLOW = Flow(S, {
    (S.FILED, S.ACKNOWLEDGED): "manage_experts",
    (S.FILED, S.OBJECTED): "manage_experts",
}, body=lambda r: r.expert.body)


class ReportError(ValidationError):
    pass


def file_report(expert, *, actor, activity, title, starts_on, place, audience, description="", now=None):
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors = {}
    if activity not in PriorReport.Activity.values:
        errors["activity"] = [_("请选择活动类型。")]
    for name, value, message in (("title", title, _("请填写事项。")), ("place", place, _("请填写地点或媒体。")),
                                 ("audience", audience, _("请填写对象。"))):
        if not (value or "").strip():
            errors[name] = [message]
    if starts_on is None:
        errors["starts_on"] = [_("请填写活动日期。")]
    elif starts_on < today:
        errors["starts_on"] = [_("报备须在活动之前提交：活动日期不能早于今天。")]
    if errors:
        raise ReportError(errors)
    with transaction.atomic():
        expert = Expert.objects.select_for_update(of=("self",)).select_related("body").get(pk=expert.pk)
        if actor is None or actor.pk != expert.user_id:
            raise PermissionDenied(_("只能以本人名义报备。"))
        if expert.status != Expert.Status.ACTIVE:
            raise ReportError(_("您已不在该专家库中，不能以委员会名义开展活动。"))
        report = PriorReport.objects.create(
            expert=expert, activity=activity, title=title.strip(), starts_on=starts_on, place=place.strip(),
            audience=audience.strip(), description=(description or "").strip(), filed_at=now)
        audit.record(actor, "experts.prior_report.file", report, body=expert.body, data={
            "activity": activity, "title": report.title, "starts_on": starts_on.isoformat()}, now=now)
        notify.later(users_with("manage_experts", expert.body), "prior_report_filed", report, body=expert.body,
                     subject=notify.fmt(gettext_lazy("%(name)s提交了对外活动报备"), name=expert.public_name),
                     text=notify.fmt(gettext_lazy("%(name)s报备：%(title)s（%(date)s，%(place)s）。"), name=expert.public_name,
                                     title=report.title, date=starts_on.isoformat(), place=report.place),
                     url=reverse("experts:report-list", args=[expert.body.key]))
    return report


def decide(report, *, actor, to, reason="", now=None):
    """Staff acknowledge (`to=ACKNOWLEDGED`) or object (`to=OBJECTED`, reason required)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if to == S.OBJECTED and not reason:
        raise ReportError({"reason": [_("提出异议须说明理由。")]})
    with transaction.atomic():
        report = (PriorReport.objects.select_for_update(of=("self",)).select_related("expert__body", "expert__user")
                  .get(pk=report.pk))
        REPORT_FLOW.check(report, to=to, actor=actor)
        report.status = to
        report.decided_by = actor
        report.decided_at = now
        report.decision_reason = reason
        report.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(actor, f"experts.prior_report.{to}", report, body=report.expert.body,
                     data={"reason": reason}, now=now)
        if to == S.OBJECTED:
            subject = notify.fmt(gettext_lazy("您的报备“%(title)s”有异议"), title=report.title)
            text = notify.fmt(gettext_lazy("工作人员对您的报备“%(title)s”提出异议：%(reason)s。请勿以委员会名义开展该活动。"), title=report.title,
                              reason=reason)
        else:
            subject = notify.fmt(gettext_lazy("您的报备“%(title)s”已知悉"), title=report.title)
            text = notify.fmt(gettext_lazy("工作人员已知悉您的报备“%(title)s”。%(reason)s"), title=report.title, reason=reason)
        notify.later([report.expert.user], f"prior_report_{to}", report, body=report.expert.body, subject=subject,
                     text=text, url=reverse("experts:self-dashboard"))
    return report
