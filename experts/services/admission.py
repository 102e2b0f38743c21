"""Admission: membership of the pool (入库), certificate numbers, the e-certificate (聘书) PDF and
the published admission result (入库结果公告)."""
from datetime import date, datetime, time, timedelta

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.models import Role
from portal.pdf import render_pdf
from portal.permissions import require
from portal.roles import grant_role
from portal.workdays import TZ

from ..models import Application, Expert, Notice, NoticeEntry
from ..workflows import APPLICATION_FLOW
from .common import format_number, localdate, next_sequence, pool_settings, public_snapshot
from .notices import notice_number

S = Application.Status


class AdmissionError(ValidationError):
    """An admission step that the rules do not allow (shown to staff on the form)."""


def term_end_for(start, years):
    """The last day of a term of `years` years starting on `start`: the day before the
    anniversary. A term starting on 29 February ends on 28 February (its anniversary in a
    common year is 1 March)."""
    year = start.year + years
    try:
        anniversary = start.replace(year=year)
    except ValueError:  # 29 February → 1 March in a common year
        anniversary = date(year, 3, 1)
    return anniversary - timedelta(days=1)


def format_date_zh(d):
    """'2026年11月25日' — the date style of Chinese official documents."""
    return _("%(year)d年%(month)d月%(day)d日") % {"year": d.year, "month": d.month, "day": d.day}


def format_period(start, end):
    """'2026年11月25日至2029年11月24日'."""
    return _("%(start)s至%(end)s") % {"start": format_date_zh(start), "end": format_date_zh(end)}


def format_term(expert):
    return format_period(expert.term_start, expert.term_end)


def admit(application, *, actor=None, now=None):
    """Admit an application to the pool: IN_NOTICE → ADMITTED when its notice closed with no
    upheld objection (the system, actor=None), or APPROVED → ADMITTED for a body whose policy
    needs no public notice. Issues the certificate number (gap-free per body and year, under the
    sequence row lock), sets the term from the body's policy, copies the fields and the public
    snapshot, grants the expert role and tells the applicant. Idempotent: an admitted application
    returns its membership."""
    now = now or timezone.now()
    with transaction.atomic():
        app = (Application.objects.select_for_update(of=("self",))
               .select_related("body__policy", "profile", "applicant").get(pk=application.pk))
        if app.status == S.ADMITTED:
            return Expert.objects.get(application=app)
        body, policy = app.body, app.body.policy
        if app.status == S.APPROVED and policy.notice_required_for_admission:
            raise AdmissionError(
                _("“%(body)s”的专家须经公示无异议后方可入库，请先发布公示。") % {"body": body.name_zh},
                code="notice_required")
        APPLICATION_FLOW.check(app, to=S.ADMITTED, actor=actor)
        if Expert.objects.filter(body=body, user=app.applicant, status=Expert.Status.ACTIVE).exists():
            raise AdmissionError(_("%(name)s已是“%(body)s”的在库专家。") % {
                "name": app.profile.name, "body": body.name_zh}, code="already_member")
        today = localdate(now)
        config = pool_settings(body)
        seq = next_sequence(body, "certificate", today.year)
        number = format_number(config.certificate_format, prefix=config.certificate_prefix, year=today.year, seq=seq)
        if Expert.objects.filter(certificate_no=number).exists():
            raise AdmissionError(_("证书编号 %(number)s 已被使用，请检查证书编号格式。") % {"number": number},
                                 code="number_taken")
        fields = list(app.fields.all())
        expert = Expert.objects.create(
            body=body, user=app.applicant, profile=app.profile, application=app, status=Expert.Status.ACTIVE,
            certificate_no=number, term_start=today, term_end=term_end_for(today, policy.term_years),
            admitted_at=now, **public_snapshot(app))
        expert.fields.set(fields)
        before = app.status
        app.status = S.ADMITTED
        app.save(update_fields=["status", "updated_at"])
        NoticeEntry.objects.filter(application=app, notice__kind=Notice.Kind.ADMISSION,
                                   outcome=NoticeEntry.Outcome.PENDING).update(outcome=NoticeEntry.Outcome.ADMITTED)
        grant_role(app.applicant, body, Role.EXPERT, actor=None)
        audit.record(actor, "experts.admit", expert, body=body, data={
            "application": app.pk, "from": before, "certificate_no": number,
            "term_start": expert.term_start, "term_end": expert.term_end, "term_years": policy.term_years,
            "fields": [f.code for f in fields]})
        notify.later(
            [app.applicant], "expert_admitted", expert, body=body,
            subject=notify.fmt(gettext_lazy("您已入库“%(body)s”，电子聘书已生成"), body=body.name_zh),
            url=reverse("experts:certificate-pdf", args=[expert.pk]),
            expert=expert, term=format_term(expert),
            verify_url=verification_url(expert))
    return expert


def verification_url(expert):
    """The absolute public verification URL printed on the certificate and in its QR code."""
    return settings.SITE_URL.rstrip("/") + reverse("experts:certificate-verify", args=[expert.certificate_no])


def certificate_pdf(expert):
    """The e-certificate (聘书) as PDF bytes: public data only (name, employer, title, fields,
    term, number, issuer) and a QR code of the verification URL — never personal data."""
    expert = Expert.objects.select_related("body").get(pk=expert.pk)
    config = pool_settings(expert.body)
    url = verification_url(expert)
    with translation.override("zh-hans"):
        context = {
            "expert": expert,
            "body": expert.body,
            "body_name": expert.body.name_zh,
            "issuer": config.certificate_issuer_zh or expert.body.parent_org_zh or expert.body.name_zh,
            "term": format_term(expert),
            "issue_date": format_date_zh(timezone.localdate(expert.admitted_at)),
            "verify_url": url,
            "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=4),
        }
        return render_pdf("experts/pdf/certificate.html", context)


def publish_admission_result(body, experts, *, actor, now=None):
    """Publish the admission result (入库结果公告): a closed announcement of kind
    ADMISSION_RESULT listing the admitted experts with public fields only."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_experts", body)
    experts = list(experts)
    if not experts:
        raise AdmissionError(_("请至少选择一名入库专家。"), code="empty")
    with transaction.atomic():
        rows = list(Expert.objects.select_for_update(of=("self",)).select_related("application")
                    .filter(pk__in=[e.pk for e in experts]).order_by("certificate_no"))
        foreign = [e.public_name for e in rows if e.body_id != body.pk]
        if foreign or len(rows) != len({e.pk for e in experts}):
            raise AdmissionError(_("以下专家不属于“%(body)s”：%(names)s") % {
                "body": body.name_zh, "names": "、".join(foreign) or "—"}, code="foreign")
        inactive = [e.public_name for e in rows if e.status != Expert.Status.ACTIVE]
        if inactive:
            raise AdmissionError(_("以下专家不在库，不能列入入库结果公告：%(names)s") % {"names": "、".join(inactive)},
                                 code="inactive")
        today = localdate(now)
        number = notice_number(body, today.year)  # the body's one notice series, shared with notices
        with translation.override("zh-hans"):
            title = _("%(body)s入库专家名单公告") % {"body": body.name_zh}
            text = _("经审核、公示，下列 %(n)d 名专家已纳入%(body)s，聘期%(years)d年，自入库之日起计算。"
                     "专家名单及聘书编号公告如下。") % {
                "n": len(rows), "body": body.name_zh, "years": body.policy.term_years}
        notice = Notice.objects.create(
            body=body, kind=Notice.Kind.ADMISSION_RESULT, number=number, title=title, text=text,
            status=Notice.Status.CLOSED, published_at=now, starts_on=today, ends_on=today,
            ends_at=datetime.combine(today + timedelta(days=1), time(0), tzinfo=TZ), provisional=False,
            policy_snapshot=body.policy.snapshot(), closed_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        NoticeEntry.objects.bulk_create([
            NoticeEntry(notice=notice, application=e.application, order=i, public_name=e.public_name,
                        public_employer=e.public_employer, public_title=e.public_title,
                        public_fields=e.public_fields, outcome=NoticeEntry.Outcome.ADMITTED)
            for i, e in enumerate(rows, start=1)])
        audit.record(actor, "experts.admission_result.publish", notice, body=body, data={
            "number": number, "experts": [e.certificate_no for e in rows]})
    return notice
