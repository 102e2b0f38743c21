"""Secretariat vetting and approver decisions on applications: one function per verb.

Each decision checks the permission and the move in ``APPLICATION_FLOW``, locks the row,
changes it in one transaction, writes one audit event (with the reason / comments) and
tells the people concerned after commit (``portal.notify.later``).
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import require, users_with

from ..models import Application, EligibilityRule, UnitVerification
from ..validators import sniff_upload
from ..workflows import APPLICATION_FLOW

S = Application.Status

# Labels of Application.SECTIONS (the parts of the form a return comment may address).
# The application form's sections as the applicant sees them (experts.forms.applicant uses
# these labels too, so a return comment stands under the heading staff wrote it for).
SECTION_LABELS = {
    "identity": gettext_lazy("身份信息"),
    "contact": gettext_lazy("联系方式"),
    "work": gettext_lazy("工作情况"),
    "qualifications": gettext_lazy("职称、学位与执业资格"),
    "fields": gettext_lazy("专业领域"),
    "cv": gettext_lazy("个人简历与申请说明"),
    "interests": gettext_lazy("利益关系申报"),
    "attachments": gettext_lazy("证明材料"),
}

# States in which an age exemption may still matter: the applicant will (re)submit, or the
# application waits for the secretariat.
EXEMPTION_STATES = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.VERIFIED)

class VettingError(ValidationError):
    """A vetting decision was refused because of its input or the application's state.
    Built from a dict (field → messages) when the problem belongs to one form field."""


class BatchResult(list):
    """Result of `approve_many`: a list of the approved applications, plus `failed`,
    a list of (application, message) for those left unchanged."""

    def __init__(self):
        super().__init__()
        self.failed = []


# ---------------------------------------------------------------------------- helpers

def _lock(application):
    return (Application.objects.select_for_update(of=("self",))
            .select_related("body__policy", "profile", "applicant")
            .get(pk=application.pk))


def _review_url(application):
    return reverse("experts:review", args=[application.body.key, application.pk])


def _required_text(value, field_name, message):
    value = (value or "").strip()
    if not value:
        raise VettingError({field_name: [message]})
    return value


def _move(app, to, **changes):
    """Set the new status and changes; return the previous status."""
    before = app.status
    app.status = to
    for name, value in changes.items():
        setattr(app, name, value)
    app.save(update_fields=["status", "updated_at", *changes])
    return before


def sniff_letter(upload):
    """Content type of an uploaded unit letter: the applicants' attachment check (PDF/JPG/PNG by
    magic bytes, size-limited), its message put on the form's `letter` field."""
    try:
        return sniff_upload(upload)
    except ValidationError as exc:
        raise VettingError({"letter": exc.messages}) from exc


def unit_verification_of(application):
    """The application's unit verification record, or None."""
    try:
        return application.unit_verification
    except UnitVerification.DoesNotExist:
        return None


def is_unit_verified(application):
    """Is a unit verification recorded for the submitted version (after the last submission)?
    A record made before a resubmission covered the earlier statements and does not count."""
    verification = unit_verification_of(application)
    if verification is None:
        return False
    return application.submitted_at is None or verification.recorded_at >= application.submitted_at


def age_limit_applies(body):
    """Does the body limit applicants' age (policy age limit or an active age rule)?"""
    return body.policy.age_limit is not None or EligibilityRule.objects.filter(
        body=body, kind=EligibilityRule.Kind.MAX_AGE, is_active=True).exists()


# ---------------------------------------------------------------------------- secretariat

def record_unit_verification(application, *, actor, unit_name, verifier_name, method, letter=None, notes="",
                             now=None):
    """The applicant's employer confirmed the statements (SUBMITTED → VERIFIED)."""
    now = now or timezone.now()
    unit_name = _required_text(unit_name, "unit_name", _("请填写核实单位。"))
    verifier_name = _required_text(verifier_name, "verifier_name", _("请填写单位核实人。"))
    if method not in UnitVerification.Method.values:
        raise VettingError({"method": [_("请选择核实方式。")]})
    if method == UnitVerification.Method.LETTER and letter is None:
        raise VettingError({"letter": [_("核实方式为单位书面函件时，请上传函件。")]})
    content_type = sniff_letter(letter) if letter is not None else ""
    with transaction.atomic():
        app = _lock(application)
        APPLICATION_FLOW.check(app, to=S.VERIFIED, actor=actor)
        values = dict(unit_name=unit_name[:200], verifier_name=verifier_name[:100], method=method,
                      notes=(notes or "").strip(), recorded_by=actor)
        UnitVerification.objects.filter(application=app).delete()  # a re-verification replaces the old record
        verification = UnitVerification(application=app, **values)
        if letter is not None:
            verification.letter.save(getattr(letter, "name", "letter"), letter, save=False)
        verification.save()
        # recorded_at is auto_now_add; keep it on the service's clock (`now`) like submitted_at,
        # so the "verified after the last submission" rule compares like with like.
        UnitVerification.objects.filter(pk=verification.pk).update(recorded_at=now)
        verification.recorded_at = now
        before = _move(app, S.VERIFIED)
        audit.record(actor, "experts.application.verify", app, body=app.body, now=now, data={
            "from": before, "to": app.status, "unit_name": values["unit_name"],
            "verifier_name": values["verifier_name"], "method": method, "letter": letter is not None,
            "letter_type": content_type, "notes": values["notes"]})
        notify.later([app.applicant], "vetting_verified", app, body=app.body,
                     subject=notify.fmt(gettext_lazy("您向“%(body)s”提交的申请已完成单位核实"), body=app.body.name_zh),
                     verification=verification)
    return verification


def return_for_fixes(application, *, actor, comments, now=None):
    """Send the application back to the applicant with a comment per section (→ RETURNED)."""
    now = now or timezone.now()
    unknown = set(comments or {}) - set(Application.SECTIONS)
    if unknown:
        raise VettingError({"comments": [_("未知的申请表部分：%(s)s") % {"s": "、".join(sorted(unknown))}]})
    cleaned = {s: (comments or {}).get(s, "").strip() for s in Application.SECTIONS}
    cleaned = {s: c for s, c in cleaned.items() if c}
    if not cleaned:
        raise VettingError({"comments": [_("请至少对一个部分填写修改意见。")]})
    with transaction.atomic():
        app = _lock(application)
        APPLICATION_FLOW.check(app, to=S.RETURNED, actor=actor)
        before = _move(app, S.RETURNED, return_comments=cleaned, decided_at=now,
                       decision_reason="")
        audit.record(actor, "experts.application.return", app, body=app.body, now=now,
                     data={"from": before, "to": app.status, "comments": cleaned})
        notify.later([app.applicant], "vetting_returned", app, body=app.body,
                     subject=notify.fmt(gettext_lazy("您向“%(body)s”提交的申请被退回修改"), body=app.body.name_zh),
                     comments=[(SECTION_LABELS[s], c) for s, c in cleaned.items()])
    return app


def reject(application, *, actor, reason, now=None):
    """Reject the application: the secretariat while vetting, the approver once forwarded."""
    now = now or timezone.now()
    reason = _required_text(reason, "reason", _("请填写不予通过的理由。"))
    with transaction.atomic():
        app = _lock(application)
        APPLICATION_FLOW.check(app, to=S.REJECTED, actor=actor)
        before = _move(app, S.REJECTED, decision_reason=reason, decided_at=now)
        audit.record(actor, "experts.application.reject", app, body=app.body, now=now,
                     data={"from": before, "to": app.status, "reason": reason})
        notify.later([app.applicant], "vetting_rejected", app, body=app.body,
                     subject=notify.fmt(gettext_lazy("您向“%(body)s”提交的申请未获通过"), body=app.body.name_zh), reason=reason)
    return app


def forward(application, *, actor, now=None):
    """Forward a vetted application to the approver (→ FORWARDED). Bodies whose policy needs
    unit verification refuse until the employer's confirmation is recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        APPLICATION_FLOW.check(app, to=S.FORWARDED, actor=actor)
        if app.body.policy.unit_verification_required and not is_unit_verified(app):
            raise VettingError(_("“%(body)s”规定申请须经所在单位核实：请先登记单位核实情况，再提交审批。")
                               % {"body": app.body.name_zh})
        before = _move(app, S.FORWARDED, decision_reason="")
        audit.record(actor, "experts.application.forward", app, body=app.body, now=now,
                     data={"from": before, "to": app.status})
        notify.later([app.applicant], "vetting_forwarded", app, body=app.body,
                     subject=notify.fmt(gettext_lazy("您向“%(body)s”提交的申请已通过秘书处审核，提交审批"), body=app.body.name_zh))
        notify.later(users_with("approve", app.body), "vetting_to_approve", app, body=app.body,
                     url=_review_url(app),
                     subject=notify.fmt(gettext_lazy("“%(body)s”有一份入库申请待您审批：%(name)s"), body=app.body.name_zh,
                                        name=app.profile.name))
    return app


def grant_age_exemption(application, *, actor, reason, now=None):
    """Record a named age exemption (e.g. academician). The applicant's next submission is
    evaluated with it; nothing is re-evaluated here."""
    now = now or timezone.now()
    reason = _required_text(reason, "reason", _("请填写豁免理由（如：中国工程院院士）。"))
    if len(reason) > 300:
        raise VettingError({"reason": [_("豁免理由不能超过 300 字。")]})
    with transaction.atomic():
        app = _lock(application)
        require(actor, "manage_experts", app.body)
        if app.status not in EXEMPTION_STATES:
            raise VettingError(_("申请处于“%(status)s”状态，不能再登记年龄豁免。") % {"status": app.get_status_display()})
        if not age_limit_applies(app.body):
            raise VettingError(_("“%(body)s”没有年龄上限，无需豁免。") % {"body": app.body.name_zh})
        before = {"by": app.age_exemption_by_id, "reason": app.age_exemption_reason}
        app.age_exemption_by = actor
        app.age_exemption_reason = reason
        app.save(update_fields=["age_exemption_by", "age_exemption_reason", "updated_at"])
        audit.record(actor, "experts.application.age_exemption", app, body=app.body, now=now,
                     data={"before": before, "after": {"by": actor.pk, "reason": reason}})
        notify.later([app.applicant], "vetting_age_exemption", app, body=app.body,
                     subject=notify.fmt(gettext_lazy("“%(body)s”已为您的申请登记年龄条件豁免"), body=app.body.name_zh),
                     reason=reason)
    return app


# ---------------------------------------------------------------------------- approver

def approve(application, *, actor, now=None):
    """The approver (board / bureau) approves a forwarded application (→ APPROVED)."""
    now = now or timezone.now()
    with transaction.atomic():
        app = _lock(application)
        APPLICATION_FLOW.check(app, to=S.APPROVED, actor=actor)
        before = _move(app, S.APPROVED, decision_reason="", decided_at=now)
        audit.record(actor, "experts.application.approve", app, body=app.body, now=now,
                     data={"from": before, "to": app.status})
        notify.later([app.applicant], "vetting_approved", app, body=app.body,
                     subject=notify.fmt(gettext_lazy("您向“%(body)s”提交的申请已获批准"), body=app.body.name_zh),
                     notice_required=app.body.policy.notice_required_for_admission)
    return app


def approve_many(applications, *, actor, now=None):
    """Approve each application on its own (all-or-nothing per item). Returns a BatchResult:
    the approved applications, and `failed` with a message for every one left unchanged."""
    result = BatchResult()
    for application in applications:
        try:
            result.append(approve(application, actor=actor, now=now))
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.failed.append((application, message or _("您没有执行此操作的权限。")))
    return result


def send_back(application, *, actor, reason, now=None):
    """The approver sends a forwarded application back to the secretariat (→ SUBMITTED)."""
    now = now or timezone.now()
    reason = _required_text(reason, "reason", _("请填写退回秘书处的理由。"))
    with transaction.atomic():
        app = _lock(application)
        APPLICATION_FLOW.check(app, to=S.SUBMITTED, actor=actor)
        before = _move(app, S.SUBMITTED, decision_reason=reason)
        audit.record(actor, "experts.application.send_back", app, body=app.body, now=now,
                     data={"from": before, "to": app.status, "reason": reason})
        notify.later(users_with("manage_experts", app.body), "vetting_sent_back", app, body=app.body,
                     url=_review_url(app),
                     subject=notify.fmt(gettext_lazy("审批人将%(name)s的入库申请退回秘书处"), name=app.profile.name), reason=reason)
        notify.later([app.applicant], "vetting_reopened", app, body=app.body,
                     subject=notify.fmt(gettext_lazy("您向“%(body)s”提交的申请退回秘书处重新审核"), body=app.body.name_zh))
    return app
