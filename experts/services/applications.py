"""The applicant's verbs: start an application, save a draft, add or remove attachments,
submit (completeness + eligibility), withdraw. Each one: permission and transition checked,
row lock, one transaction, one audit event, notifications after commit."""
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import users_with

from .. import eligibility
from ..eligibility import EligibilityError
from ..models import Application, Attachment, Call, ExpertProfile
from ..validators import sniff_upload
from ..workflows import APPLICATION_FLOW

S = Application.Status
EDITABLE = (S.DRAFT, S.RETURNED)
LIVE = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.VERIFIED, S.FORWARDED, S.APPROVED, S.IN_NOTICE)
MAX_ATTACHMENTS = 20

# Profile fields the applicant edits (everything but the user link and timestamps).
PROFILE_FIELDS = (
    "name", "gender", "birth_date", "id_type", "id_number",
    "phone", "email", "address",
    "employer", "employer_type", "position", "is_executive", "executive_since", "work_since",
    "title", "title_level", "degree", "degree_year", "licence", "licence_year",
    "region", "cv", "recent_employers", "close_relations", "shareholdings",
)
# Required on submission (the form's field names).
REQUIRED_ON_SUBMIT = (
    "name", "gender", "birth_date", "id_type", "id_number", "phone", "email", "address",
    "employer", "employer_type", "position", "work_since", "region", "cv",
)

__all__ = [
    "ApplicationClosed", "EligibilityError", "IncompleteApplication", "add_attachment", "completeness_errors", "remove_attachment",
    "save_draft", "start_application", "submit", "withdraw",
]


class IncompleteApplication(ValidationError):
    """Submission refused: required information is missing (a dict: form field → messages)."""


class ApplicationClosed(ValidationError):
    """The body has no open call, or the application can no longer be edited."""


def _require_owner(application, actor):
    if getattr(actor, "pk", None) is None or actor.pk != application.applicant_id:
        raise PermissionDenied(_("只有申请人本人可以执行此操作。"))


def _require_editable(application):
    if application.status not in EDITABLE:
        raise ApplicationClosed(
            _("申请当前状态为“%(status)s”，不能修改。") % {"status": application.get_status_display()},
            code="not_editable")


def _lock(application):
    return (Application.objects.select_for_update(of=("self",)).select_related("body", "profile")
            .get(pk=application.pk))


def open_call(body, now=None):
    """The body's open call with the latest start, or None."""
    now = now or timezone.now()
    calls = [c for c in Call.objects.filter(body=body, is_active=True).order_by("-opens_at", "-created_at")
             if c.is_open(now)]
    return calls[0] if calls else None


def secretariat(body):
    """Users holding manage_experts on the body (the secretariat)."""
    return users_with("manage_experts", body)


def start_application(body, *, actor, call=None, now=None):
    """Open (or reuse) the actor's application to `body`. Creates the actor's ExpertProfile on
    first use, prefilled from the account; later applications reuse it."""
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    with transaction.atomic():
        existing = (Application.objects.select_for_update().filter(body=body, applicant=actor, status__in=LIVE)
                    .first())
        if existing is not None:
            return existing
        call = call or open_call(body, now)
        if call is None or call.body_id != body.pk or not call.is_open(now):
            raise ApplicationClosed(_("“%(body)s”目前没有开放的专家征集。") % {"body": body.name}, code="no_call")
        profile, created = ExpertProfile.objects.get_or_create(
            user=actor, defaults={"name": actor.name, "email": actor.email, "phone": actor.mobile or ""})
        application = Application.objects.create(body=body, call=call, applicant=actor, profile=profile)
        audit.record(actor, "experts.application.start", application, body=body,
                     data={"call": call.title, "new_profile": created}, now=now)
    return application


def save_draft(application, *, actor, profile_data, fields, field_years=None, statement=""):
    """Save what the applicant entered (formats were checked by the form; completeness is
    checked on submit). Only the keys of PROFILE_FIELDS are taken from `profile_data`."""
    unknown = set(profile_data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile fields: {sorted(unknown)}")
    with transaction.atomic():
        application = _lock(application)
        _require_owner(application, actor)
        _require_editable(application)
        fields = list(fields)
        foreign = [f for f in fields if f.body_id != application.body_id]
        if foreign:
            raise ValidationError({"fields": [_("所选专业领域不属于“%(body)s”。") % {"body": application.body.name}]})
        profile = ExpertProfile.objects.select_for_update().get(pk=application.profile_id)
        before, after = audit.apply_changes(profile, dict(profile_data))
        if after:
            profile.full_clean(exclude=["user"])
            profile.save()
        old_fields = set(application.fields.values_list("pk", flat=True))
        new_fields = {f.pk for f in fields}
        app_before, app_after = audit.apply_changes(
            application, {"field_years": field_years, "statement": statement or ""})
        application.save(update_fields=["field_years", "statement", "updated_at"])
        if old_fields != new_fields:
            application.fields.set(fields)
        # Personal data stays out of the audit trail: record which fields changed, not values.
        audit.record(actor, "experts.application.save_draft", application, body=application.body, data={
            "profile_changed": sorted(after), "application_changed": sorted(app_after),
            "fields": sorted(f.code for f in fields)})
    return application


def add_attachment(application, *, actor, kind, upload):
    """Store a PDF/JPG/PNG (checked by content) in private storage."""
    if kind not in Attachment.Kind.values:
        raise ValidationError({"attachment_kind": [_("请选择附件类别。")]})
    try:
        content_type = sniff_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"attachment_file": exc.messages}) from exc
    with transaction.atomic():
        application = _lock(application)
        _require_owner(application, actor)
        _require_editable(application)
        if application.attachments.count() >= MAX_ATTACHMENTS:
            raise ValidationError({"attachment_file": [
                _("附件最多 %(n)s 个，请先删除不需要的附件。") % {"n": MAX_ATTACHMENTS}]})
        digest = hashlib.sha256()
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
        attachment = Attachment(application=application, kind=kind, original_name=name,
                                content_type=content_type, size=upload.size, sha256=digest.hexdigest())
        attachment.file.save(name, upload, save=False)
        stored = attachment.file.name
        try:
            attachment.save()
            audit.record(actor, "experts.application.attachment_add", application, body=application.body, data={
                "attachment": attachment.pk, "kind": kind, "name": name, "sha256": attachment.sha256})
        except Exception:
            attachment.file.storage.delete(stored)
            raise
    return attachment


def remove_attachment(attachment, *, actor):
    """Delete an attachment of an editable application; the file goes after commit."""
    with transaction.atomic():
        application = _lock(attachment.application)
        _require_owner(application, actor)
        _require_editable(application)
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, application=application)
        storage, stored = attachment.file.storage, attachment.file.name
        data = {"attachment": attachment.pk, "kind": attachment.kind, "name": attachment.original_name}
        attachment.delete()
        audit.record(actor, "experts.application.attachment_remove", application, body=application.body, data=data)
        transaction.on_commit(lambda: storage.delete(stored))


def completeness_errors(application):
    """{form field: [messages]} of what is still missing before submission."""
    profile = application.profile
    errors = {}

    def need(name, message=None):
        errors.setdefault(name, []).append(message or _("提交前请填写此项。"))

    for name in REQUIRED_ON_SUBMIT:
        value = getattr(profile, name)
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            need(name)
    if profile.is_executive and not profile.executive_since:
        need("executive_since", _("企业高层管理人员请填写担任职务的起始年份。"))
    if profile.title_level != "none" and not profile.title.strip():
        need("title", _("已选择职称等级，请填写职称名称。"))
    if profile.degree != "none" and not profile.degree_year:
        need("degree_year", _("请填写取得学位的年份。"))
    if profile.licence.strip() and not profile.licence_year:
        need("licence_year", _("请填写取得执业资格的年份。"))
    if profile.title_level == "none" and profile.degree == "none":
        need("title_level", _("请至少填写专业技术职称或最高学位之一。"))
    if not application.fields.exists():
        need("fields", _("请至少选择一个专业领域。"))
    kinds = set(application.attachments.values_list("kind", flat=True))
    if Attachment.Kind.ID_COPY not in kinds:
        need("attachments", _("请上传身份证件复印件。"))
    if not kinds & {Attachment.Kind.TITLE_CERT, Attachment.Kind.DEGREE_CERT}:
        need("attachments", _("请上传职称证书或学位/学历证书。"))
    return errors


def build_snapshot(application):
    """The profile data and field codes at submission, for the vetting screen."""
    profile = application.profile
    data = {}
    for name in PROFILE_FIELDS:
        value = getattr(profile, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    fields = list(application.fields.order_by("order", "code"))
    data["fields"] = [f.code for f in fields]
    data["field_names"] = [f.name_zh for f in fields]
    data["field_years"] = application.field_years
    data["statement"] = application.statement
    data["attachments"] = [
        {"id": a.pk, "kind": a.kind, "name": a.original_name, "sha256": a.sha256}
        for a in application.attachments.all()]
    return data


def submit(application, *, actor, now=None):
    """Submit a draft or a returned application. Refused with IncompleteApplication (per
    field) or EligibilityError (one message per failed rule); nothing is written then."""
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock(application)
        APPLICATION_FLOW.check(application, to=S.SUBMITTED, actor=actor)
        if application.status == S.DRAFT and open_call(application.body, now) is None:
            raise ApplicationClosed(_("“%(body)s”的专家征集已截止，暂不能提交。") % {"body": application.body.name},
                                    code="no_call")
        errors = completeness_errors(application)
        if errors:
            raise IncompleteApplication(errors, code="incomplete")
        report = eligibility.evaluate(application, timezone.localdate(now))
        if not report.ok:
            raise EligibilityError(report)
        resubmitted = application.status == S.RETURNED
        application.status = S.SUBMITTED
        application.submitted_at = now
        application.snapshot = build_snapshot(application)
        application.eligibility = report.as_json()
        application.save(update_fields=["status", "submitted_at", "snapshot", "eligibility", "updated_at"])
        audit.record(actor, "experts.application.resubmit" if resubmitted else "experts.application.submit",
                     application, body=application.body, now=now,
                     data={"fields": application.snapshot["fields"], "eligibility_ok": True})
        body = application.body
        notify.later([application.applicant], "application_submitted", application, body=body,
                     subject=notify.fmt(gettext_lazy("您向“%(body)s”提交的入库申请已提交"), body=body.name_zh),
                     resubmitted=resubmitted)
        staff = [u for u in secretariat(body) if u.pk != application.applicant_id]
        if staff:
            notify.later(staff, "application_received", application, body=body,
                         url=reverse("experts:review", args=[body.key, application.pk]),
                         subject=notify.fmt(gettext_lazy("新的入库申请待审核：%(name)s"), name=application.profile.name),
                         resubmitted=resubmitted)
    return application


def withdraw(application, *, actor, reason=""):
    """The applicant withdraws (any state before approval)."""
    with transaction.atomic():
        application = _lock(application)
        APPLICATION_FLOW.check(application, to=S.WITHDRAWN, actor=actor)
        was = application.status
        application.status = S.WITHDRAWN
        application.save(update_fields=["status", "updated_at"])
        audit.record(actor, "experts.application.withdraw", application, body=application.body,
                     data={"from": was, "reason": reason})
        if was != S.DRAFT:
            staff = [u for u in secretariat(application.body) if u.pk != application.applicant_id]
            if staff:
                notify.later(staff, "application_withdrawn", application, body=application.body,
                             url=reverse("experts:review", args=[application.body.key, application.pk]),
                             subject=notify.fmt(gettext_lazy("入库申请已撤回：%(name)s"), name=application.profile.name),
                             reason=reason)
    return application
