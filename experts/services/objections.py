"""Objections (异议) against a candidate of an open notice.

    file_objection(...)          anyone, while the notice is open (before notice.ends_at)
    accept_objection(...)        staff: FILED → ACCEPTED, the decision deadline starts
    decline_objection(...)       staff: FILED → NOT_ACCEPTED (不予受理)
    decide_objection(...)        staff: ACCEPTED → UPHELD (candidate stopped) / DISMISSED
    remind_overdue_objections()  the beat task's service: tell the secretariat once a day

The objector's identity (name, contact, e-mail) is private: it is shown to the body's staff
only, never on a public page, and stays out of audit data.
"""
import logging
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.permissions import users_with
from portal.workflows import Flow

from ..models import Application, Notice, NoticeEntry, Objection
from ..validators import sniff_upload
from ..workflows import APPLICATION_FLOW
from .common import localdate

log = logging.getLogger(__name__)

O = Objection.Status  # noqa: E741

OBJECTION_FLOW = Flow(O, {
    (O.FILED, O.ACCEPTED): "manage_experts",
    (O.FILED, O.NOT_ACCEPTED): "manage_experts",
    (O.ACCEPTED, O.UPHELD): "manage_experts",
    (O.ACCEPTED, O.DISMISSED): "manage_experts",
}, body=lambda o: o.notice.body)

FACTS_MIN_LENGTH = 10
FACTS_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 2000
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
EVIDENCE_TYPES = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
}


class ObjectionError(ValidationError):
    """An objection cannot be filed or handled as asked (shown on the form)."""


# ---------------------------------------------------------------------------
# helpers


def check_evidence(upload):
    """The content type of an evidence upload: PDF, JPG or PNG by its content, within the
    upload size limit (the shared check of experts.validators). Raises ValidationError."""
    content_type = sniff_upload(upload)
    if content_type not in EVIDENCE_TYPES:
        raise ValidationError(_("只接受 PDF、JPG 或 PNG 文件。"), code="bad_type")
    return content_type


def notice_end_display(notice):
    return workdays.format_deadline(notice.ends_on)


def deadline_display(end_at):
    """'2026年10月27日 24:00' for a stored end (the next day 00:00 Beijing time)."""
    if end_at is None:
        return ""
    return workdays.format_deadline(timezone.localtime(end_at, workdays.TZ).date() - timedelta(days=1))


def new_receipt_no(notice, now):
    while True:
        suffix = "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(6))
        number = f"{localdate(now):%y}-{notice.pk}-{suffix}"
        if not Objection.objects.filter(receipt_no=number).exists():
            return number


def secretariat_users(body):
    return users_with("manage_experts", body)


def staff_url(objection):
    return reverse("experts:objection-detail", args=[objection.notice.body.key, objection.pk])


def letter_url(objection, to):
    return reverse("experts:objection-letter", args=[objection.notice.body.key, objection.pk]) + f"?to={to}"


def _lock(objection):
    return (Objection.objects.select_for_update(of=("self",)).select_related("notice__body", "entry__application")
            .get(pk=objection.pk))


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ObjectionError({"reason": [_("请填写理由。")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ObjectionError({"reason": [_("理由最多 %(n)s 个字。") % {"n": REASON_MAX_LENGTH}]})
    return reason


def _mail_objector(objection, template, subject, *, letter=False, **ctx):
    """E-mail an objector who has no account (after commit), optionally with the PDF letter."""
    def send():
        try:
            with translation.override(settings.LANGUAGE_CODE):
                text = render_to_string(f"notifications/{template}.txt", {"object": objection, **ctx}).strip()
                message = EmailMessage(str(subject), text, settings.DEFAULT_FROM_EMAIL, [objection.objector_email])
                if letter:
                    message.attach(f"{objection.receipt_no}.pdf", objection_letter_pdf(objection, to="objector"),
                                   "application/pdf")
            message.send(fail_silently=False)
        except Exception:  # the decision stands; a failed e-mail is logged for staff to follow up
            log.exception("mail to objector of %s failed", objection.receipt_no)

    transaction.on_commit(send)


def _tell_objector(objection, kind, subject, *, letter=False, **ctx):
    """The objector learns the outcome: in-app (and by e-mail) when they were logged in,
    by e-mail to the address they gave otherwise (or as well, when it differs)."""
    body = objection.notice.body
    user = objection.objector_user
    if user is not None:
        notify.later([user], kind, objection, body=body, subject=subject,
                     url=letter_url(objection, "objector") if letter else objection.notice.get_absolute_url(), **ctx)
    if objection.objector_email and (user is None or user.email.lower() != objection.objector_email.lower()):
        _mail_objector(objection, f"{kind}_email", subject, letter=letter, **ctx)


# ---------------------------------------------------------------------------
# filing


def file_objection(notice, entry, *, name, contact, email="", facts, evidence=None, ip=None, user=None, now=None):
    """Anyone files a written objection against a candidate while the notice is open.
    Refused (nothing written) at or after notice.ends_at, with the end in the message."""
    now = now or timezone.now()
    name, contact, email, facts = (name or "").strip(), (contact or "").strip(), (email or "").strip(), \
        (facts or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("请填写异议人姓名或单位名称。")]
    elif len(name) > 100:
        errors["name"] = [_("最多 100 个字符。")]
    if not contact:
        errors["contact"] = [_("请填写联系方式。")]
    elif len(contact) > 100:
        errors["contact"] = [_("最多 100 个字符。")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("请输入有效的电子邮箱。")]
    if len(facts) < FACTS_MIN_LENGTH:
        errors["facts"] = [_("异议事实和理由至少 %(n)s 个字。") % {"n": FACTS_MIN_LENGTH}]
    elif len(facts) > FACTS_MAX_LENGTH:
        errors["facts"] = [_("异议事实和理由最多 %(n)s 个字。") % {"n": FACTS_MAX_LENGTH}]
    content_type = None
    if evidence:
        try:
            content_type = check_evidence(evidence)
        except ValidationError as exc:
            errors["evidence"] = exc.messages
    if errors:
        raise ObjectionError(errors)
    with transaction.atomic():
        notice = Notice.objects.select_for_update(of=("self",)).select_related("body").get(pk=notice.pk)
        if notice.status != Notice.Status.OPEN or now >= notice.ends_at:
            raise ObjectionError(_("公示已于 %(end)s 结束，不再受理异议。") % {"end": notice_end_display(notice)})
        if now < notice.published_at:
            raise ObjectionError(_("公示尚未开始。"))
        entry = NoticeEntry.objects.filter(pk=entry.pk, notice=notice).first()
        if entry is None or entry.outcome != NoticeEntry.Outcome.PENDING:
            raise ObjectionError({"entry": [_("请选择本公示中的人选。")]})
        objection = Objection(
            notice=notice, entry=entry, receipt_no=new_receipt_no(notice, now), objector_name=name,
            objector_contact=contact, objector_email=email,
            objector_user=user if getattr(user, "is_authenticated", False) else None,
            facts=facts, filed_at=now, ip=ip)
        if evidence:
            evidence.seek(0)
            objection.evidence.save(f"evidence{EVIDENCE_TYPES[content_type][1]}", evidence, save=False)
        objection.save()
        audit.record(objection.objector_user, "experts.objection.file", objection, body=notice.body, ip=ip, now=now,
                     data={"receipt_no": objection.receipt_no, "notice": notice.number, "entry": entry.pk,
                           "candidate": entry.public_name, "evidence": bool(evidence)})
        notify.later(secretariat_users(notice.body), "objection_filed", objection, body=notice.body,
                     subject=notify.fmt(gettext_lazy("收到对“%(name)s”的异议（%(no)s）"), name=entry.public_name,
                                        no=objection.receipt_no),
                     url=staff_url(objection))
        if objection.objector_user is not None:
            notify.later([objection.objector_user], "objection_received", objection, body=notice.body,
                         subject=notify.fmt(gettext_lazy("您的异议已收到（回执编号 %(no)s）"), no=objection.receipt_no),
                         url=notice.get_absolute_url())
        elif email:
            _mail_objector(objection, "objection_received_email",
                           notify.fmt(gettext_lazy("您的异议已收到（回执编号 %(no)s）"), no=objection.receipt_no))
    return objection


# ---------------------------------------------------------------------------
# staff handling


def decision_days(notice):
    days = (notice.policy_snapshot or {}).get("objection_decision_workdays")
    return int(days) if days else notice.body.policy.objection_decision_workdays


def accept_objection(objection, *, actor, reason, now=None):
    """Staff accept an objection for investigation; the decision is due within the notice's
    objection period (working days, copied from the policy when the notice started) counted
    from the day of acceptance (that day not counted), at 24:00 of its last working day."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        objection = _lock(objection)
        OBJECTION_FLOW.check(objection, to=O.ACCEPTED, actor=actor)
        notice = objection.notice
        days = decision_days(notice)
        deadline = workdays.deadline_end(localdate(now), days)
        objection.status = O.ACCEPTED
        objection.accepted_at = now
        objection.acceptance_reason = reason
        objection.decide_by = deadline.end_at
        objection.decide_by_provisional = deadline.provisional
        objection.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        objection.save(update_fields=["status", "accepted_at", "acceptance_reason", "decide_by",
                                      "decide_by_provisional", "handled_by"])
        audit.record(actor, "experts.objection.accept", objection, body=notice.body, now=now, data={
            "reason": reason, "decision_workdays": days, "decide_by": deadline.end_at,
            "provisional": deadline.provisional})
        ends = partial(workdays.format_deadline, deadline)  # rendered in each recipient's language
        _tell_objector(objection, "objection_accepted",
                       notify.fmt(gettext_lazy("您的异议已受理（回执编号 %(no)s）"), no=objection.receipt_no),
                       decide_by_display=ends)
        notify.later([objection.entry.application.applicant], "objection_accepted_expert", objection,
                     body=notice.body, subject=gettext_lazy("有关您入库公示的异议已受理调查"), url=notice.get_absolute_url(),
                     decide_by_display=ends)
    return objection


def decline_objection(objection, *, actor, reason, now=None):
    """Staff decline to accept an objection (不予受理), with the reason; the objector is told."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        objection = _lock(objection)
        OBJECTION_FLOW.check(objection, to=O.NOT_ACCEPTED, actor=actor)
        objection.status = O.NOT_ACCEPTED
        objection.acceptance_reason = reason
        objection.decided_at = now
        objection.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        objection.save(update_fields=["status", "acceptance_reason", "decided_at", "handled_by"])
        audit.record(actor, "experts.objection.decline", objection, body=objection.notice.body, now=now,
                     data={"reason": reason})
        _tell_objector(objection, "objection_declined",
                       notify.fmt(gettext_lazy("您的异议不予受理（回执编号 %(no)s）"), no=objection.receipt_no),
                       letter=True)
    return objection


def decide_objection(objection, *, actor, upheld, reason, now=None):
    """Staff decide an accepted objection. Upheld: the candidate's entry and application are
    stopped (异议成立，终止入库) — that candidate only. Both the objector and the expert are
    told in writing (PDF letter + notification)."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    target = O.UPHELD if upheld else O.DISMISSED
    with transaction.atomic():
        objection = _lock(objection)
        OBJECTION_FLOW.check(objection, to=target, actor=actor)
        notice = objection.notice
        stopped = False
        if upheld:
            entry = NoticeEntry.objects.select_for_update().get(pk=objection.entry_id)
            app = Application.objects.select_for_update(of=("self",)).select_related("body").get(
                pk=entry.application_id)
            if entry.outcome == NoticeEntry.Outcome.PENDING:
                APPLICATION_FLOW.check(app, to=Application.Status.STOPPED, actor=actor)
                entry.outcome = NoticeEntry.Outcome.STOPPED
                entry.save(update_fields=["outcome"])
                app.status = Application.Status.STOPPED
                app.decision_reason = reason
                app.decided_at = now
                app.save(update_fields=["status", "decision_reason", "decided_at", "updated_at"])
                stopped = True
        objection.status = target
        objection.decided_at = now
        objection.decision_reason = reason
        objection.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        objection.save(update_fields=["status", "decided_at", "decision_reason", "handled_by"])
        overdue = bool(objection.decide_by and now >= objection.decide_by)
        audit.record(actor, "experts.objection.decide", objection, body=notice.body, now=now, data={
            "upheld": bool(upheld), "reason": reason, "candidate_stopped": stopped,
            "application": objection.entry.application_id, "overdue": overdue})
        outcome = O(target).label
        _tell_objector(objection, "objection_decided",
                       notify.fmt(gettext_lazy("异议处理决定：%(outcome)s（回执编号 %(no)s）"), outcome=outcome,
                                  no=objection.receipt_no),
                       letter=True)
        notify.later([objection.entry.application.applicant], "objection_decided_expert", objection, body=notice.body,
                     subject=notify.fmt(gettext_lazy("有关您入库公示的异议处理决定：%(outcome)s"), outcome=outcome),
                     url=letter_url(objection, "expert"))
    return objection


def remind_overdue_objections(*, now=None):
    """Tell the body's secretariat about every accepted objection past its decision deadline,
    once per objection per day. Returns the number of reminders created now."""
    now = now or timezone.now()
    today = localdate(now)
    overdue = (Objection.objects.filter(status=O.ACCEPTED, decide_by__lte=now)
               .select_related("notice__body", "entry").order_by("decide_by", "pk"))
    by_body = {}
    sent = 0
    for objection in overdue:
        body = objection.notice.body
        if body.pk not in by_body:
            by_body[body.pk] = secretariat_users(body)
        sent += len(notify.later(
            by_body[body.pk], "objection_overdue", objection, body=body,
            subject=notify.fmt(gettext_lazy("异议 %(no)s 已超过处理期限"), no=objection.receipt_no), url=staff_url(objection),
            dedupe_key=f"objection-overdue-{objection.pk}-{today:%Y%m%d}",
            decide_by_display=partial(deadline_display, objection.decide_by)))
    return sent


# ---------------------------------------------------------------------------
# documents


LETTER_RECIPIENTS = ("objector", "expert")


def objection_letter_pdf(objection, *, to="objector"):
    """The written decision (异议处理决定书 / 不予受理通知书) as PDF, addressed to the objector or
    to the expert. The expert's letter does not name the objector."""
    from portal.pdf import render_pdf

    from .common import pool_settings

    if to not in LETTER_RECIPIENTS:
        raise ValueError(to)
    if objection.status not in (O.UPHELD, O.DISMISSED, O.NOT_ACCEPTED):
        raise ObjectionError(_("异议尚未处理完毕，暂无书面决定。"))
    notice = objection.notice
    body = notice.body
    issuer = pool_settings(body).certificate_issuer_zh or body.name_zh
    with translation.override("zh-hans"):
        return render_pdf("experts/pdf/objection_letter.html", {
            "objection": objection, "notice": notice, "body": body, "entry": objection.entry, "to": to,
            "issuer": issuer, "decided_on": timezone.localtime(objection.decided_at).date(),
            "filed_on": timezone.localtime(objection.filed_at).date(),
            "accepted_on": timezone.localtime(objection.accepted_at).date() if objection.accepted_at else None,
        })
