"""Terms of membership (聘期): reminders before the end, renewal (续聘), lapse after the end,
and the annual enrolment windows (每年开放申报).

    send_term_reminders(now=...)        # daily: 60 and 30 days before term_end, each once
    lapse_due_memberships(now=...)      # daily: ACTIVE → LAPSED on the day after term_end
    file_renewal(expert, actor=expert_user_or_staff, statement=...)
    forward_renewal / reject_renewal (secretariat), approve_renewal (approver)
    publish_renewal_notice (secretariat, when the policy does not skip the notice)
    complete_due_renewals(now=...)      # when a renewal notice period ended
    open_enrolment_window(body, actor=staff, title=..., opens_at=..., closes_at=...)

A term that ends on a holiday still lapses the next calendar day: terms are calendar periods
(聘用期为三年), only notice periods count working days.
"""
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.permissions import has, require, users_with

from .. import eligibility
from ..models import Call, Expert, Notice, NoticeEntry, Renewal, TermReminder
from ..models.pool import sync_profile_copies
from ..workflows import RENEWAL_FLOW
from .admission import format_date_zh, format_period, term_end_for
from .common import format_number, localdate, next_sequence, pool_settings
from .notices import notice_number

REMINDER_DAYS = (60, 30)
N = Renewal.Status
TEXT_MAX = 4000


class TermError(ValidationError):
    """A renewal or enrolment step the rules do not allow (shown on the form)."""


def _staff(body):
    return users_with("manage_experts", body)


def _text(value, field, label, required=False):
    value = (value or "").strip()
    if required and not value:
        raise TermError({field: [_("请填写%(label)s。") % {"label": label}]})
    if len(value) > TEXT_MAX:
        raise TermError({field: [_("%(label)s不能超过 %(n)d 字。") % {"label": label, "n": TEXT_MAX}]})
    return value


# ---------------------------------------------------------------------------
# reminders and lapse (beat tasks)


def send_term_reminders(*, now=None, days=REMINDER_DAYS):
    """Remind the expert and the secretariat `days` before term_end. Each (membership, term end,
    lead time) is reminded once — a TermReminder row is the record — so running twice sends
    nothing twice; a late run sends the nearest due lead time only (a 60-day reminder missed
    until 30 days before is not sent late). Returns the count."""
    now = now or timezone.now()
    today = localdate(now)
    sent = 0
    horizon = today + timedelta(days=max(days))
    experts = (Expert.objects.filter(status=Expert.Status.ACTIVE, term_end__gte=today, term_end__lte=horizon)
               .select_related("body", "user").order_by("term_end", "pk"))
    done = set(TermReminder.objects.filter(expert__in=experts).values_list("expert_id", "term_end", "days_before"))
    for expert in experts:
        left = (expert.term_end - today).days
        due = [d for d in sorted(days) if left <= d]  # nearest lead time first
        if not due:
            continue
        lead = due[0]
        if (expert.pk, expert.term_end, lead) in done:
            continue  # already reminded at this lead time for this term
        try:
            with transaction.atomic():
                reminder = TermReminder.objects.create(expert=expert, term_end=expert.term_end, days_before=lead,
                                                       sent_at=now)
                ctx = {"name": expert.public_name, "body": expert.body.name_zh,
                       "end": format_date_zh(expert.term_end), "days": left}
                notify.later([expert.user], "term_reminder", reminder, body=expert.body,
                             subject=notify.fmt(gettext_lazy("您在“%(body)s”的聘期将于%(end)s届满"), **ctx),
                             text=notify.fmt(gettext_lazy("您的聘期将于%(end)s届满（还有 %(days)d 天）。如需续聘，请登录系统提交续聘申请。"), **ctx),
                             url=reverse("experts:my-membership", args=[expert.pk]),
                             dedupe_key=f"term:{expert.pk}:{expert.term_end}:{lead}")
                notify.later(_staff(expert.body), "term_reminder_staff", reminder, body=expert.body,
                             subject=notify.fmt(gettext_lazy("%(name)s的聘期将于%(end)s届满"), **ctx),
                             text=notify.fmt(gettext_lazy("%(name)s在“%(body)s”的聘期将于%(end)s届满（还有 %(days)d 天）。"), **ctx),
                             url=reverse("experts:expert-detail", args=[expert.body.key, expert.pk]),
                             dedupe_key=f"term:{expert.pk}:{expert.term_end}:{lead}")
                audit.record(None, "experts.term.remind", expert, body=expert.body,
                             data={"term_end": expert.term_end, "days_before": lead, "days_left": left}, now=now)
        except IntegrityError:  # another worker sent it
            continue
        sent += 1
    return sent


def lapse_due_memberships(*, now=None):
    """Set LAPSED every ACTIVE membership whose term ended before today (the day after term_end
    or later, calendar days — holidays do not move it). Idempotent: a lapsed membership is not
    selected again. Open renewals of lapsed memberships stay on file for staff. Returns the count."""
    now = now or timezone.now()
    today = localdate(now)
    lapsed = 0
    ids = list(Expert.objects.filter(status=Expert.Status.ACTIVE, term_end__lt=today).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            expert = (Expert.objects.select_for_update(skip_locked=True).select_related("body", "user")
                      .filter(pk=pk, status=Expert.Status.ACTIVE, term_end__lt=today).first())
            if expert is None:
                continue
            expert.status = Expert.Status.LAPSED
            expert.save(update_fields=["status"])
            audit.record(None, "experts.term.lapse", expert, body=expert.body,
                         data={"term_end": expert.term_end, "certificate_no": expert.certificate_no}, now=now)
            ctx = {"name": expert.public_name, "body": expert.body.name_zh, "end": format_date_zh(expert.term_end)}
            notify.later([expert.user], "term_lapsed", expert, body=expert.body,
                         subject=notify.fmt(gettext_lazy("您在“%(body)s”的聘期已于%(end)s届满"), **ctx),
                         text=notify.fmt(gettext_lazy("您的聘期已于%(end)s届满，未办理续聘，已不再列入“%(body)s”。"), **ctx),
                         url=reverse("experts:my-memberships"))
            notify.later(_staff(expert.body), "term_lapsed_staff", expert, body=expert.body,
                         subject=notify.fmt(gettext_lazy("%(name)s聘期届满未续聘"), **ctx),
                         text=notify.fmt(gettext_lazy("%(name)s的聘期已于%(end)s届满，状态已改为“聘期届满”。"), **ctx),
                         url=reverse("experts:expert-detail", args=[expert.body.key, expert.pk]))
            lapsed += 1
    return lapsed


# ---------------------------------------------------------------------------
# renewal


def file_renewal(expert, *, actor, statement="", now=None):
    """Start a renewal for an active membership (the expert, or the secretariat for them).
    Eligibility is re-checked now against the body's rules (experts.eligibility); a failing
    result is kept on the renewal for the vetting staff (who may reject it). Returns it."""
    now = now or timezone.now()
    statement = _text(statement, "statement", _("续聘说明"))
    is_owner = getattr(actor, "pk", None) == expert.user_id
    if not is_owner:
        require(actor, "manage_experts", expert.body)
    with transaction.atomic():
        expert = (Expert.objects.select_for_update(of=("self",)).select_related("body", "application__profile")
                  .get(pk=expert.pk))
        if expert.status != Expert.Status.ACTIVE:
            raise TermError(_("只有在库专家可以申请续聘。"))
        if Renewal.objects.filter(expert=expert, status__in=Renewal.OPEN_STATUSES).exists():
            raise TermError(_("已有正在办理的续聘申请。"))
        today = localdate(now)
        report = eligibility.evaluate(expert.application, today)
        renewal = Renewal.objects.create(
            body=expert.body, expert=expert, filed_by=actor, filed_at=now, statement=statement,
            eligibility=report.as_json(), eligible=report.ok, old_term_end=expert.term_end,
            old_certificate_no=expert.certificate_no)
        audit.record(actor, "experts.renewal.file", renewal, body=expert.body,
                     data={"expert": expert.pk, "eligible": report.ok, "messages": report.messages}, now=now)
        notify.later(_staff(expert.body), "renewal_filed", renewal, body=expert.body,
                     subject=notify.fmt(gettext_lazy("%(name)s提交了续聘申请"), name=expert.public_name),
                     text=statement or gettext_lazy("（无说明）"), url=reverse("experts:renewal-detail",
                                                              args=[expert.body.key, renewal.pk]))
    return renewal


def _locked_renewal(renewal):
    return (Renewal.objects.select_for_update(of=("self",)).select_related("body__policy", "expert__user")
            .get(pk=renewal.pk))


def _move(renewal, to, *, actor, note_field=None, note="", now, action):
    renewal = _locked_renewal(renewal)
    RENEWAL_FLOW.check(renewal, to=to, actor=actor)
    before = renewal.status
    renewal.status = to
    fields = ["status"]
    if note_field:
        setattr(renewal, note_field, note)
        fields.append(note_field)
    renewal.save(update_fields=fields)
    audit.record(actor, action, renewal, body=renewal.body,
                 data={"expert": renewal.expert_id, "from": before, "to": to, "note": note}, now=now)
    return renewal


def forward_renewal(renewal, *, actor, note="", now=None):
    """The secretariat vets and forwards to the approver. An ineligible renewal cannot be forwarded."""
    now = now or timezone.now()
    note = _text(note, "note", _("审核意见"))
    with transaction.atomic():
        if not Renewal.objects.get(pk=renewal.pk).eligible:
            raise TermError(_("资格复核未通过，不能报送审批。"))
        renewal = _move(renewal, N.FORWARDED, actor=actor, note_field="vetting_note", note=note, now=now,
                        action="experts.renewal.forward")
        notify.later(users_with("approve", renewal.body), "renewal_forwarded", renewal, body=renewal.body,
                     subject=notify.fmt(gettext_lazy("续聘待审批：%(name)s"), name=renewal.expert.public_name), text=note,
                     url=reverse("experts:renewal-detail", args=[renewal.body.key, renewal.pk]))
    return renewal


def reject_renewal(renewal, *, actor, reason, now=None):
    now = now or timezone.now()
    reason = _text(reason, "reason", _("不予续聘的理由"), required=True)
    with transaction.atomic():
        renewal = _move(renewal, N.REJECTED, actor=actor, note_field="decision_reason", note=reason, now=now,
                        action="experts.renewal.reject")
        renewal.decided_by, renewal.decided_at = actor, now
        renewal.save(update_fields=["decided_by", "decided_at"])
        notify.later([renewal.expert.user], "renewal_rejected", renewal, body=renewal.body,
                     subject=gettext_lazy("您的续聘申请未获通过"), text=reason,
                     url=reverse("experts:my-membership", args=[renewal.expert_id]))
    return renewal


def withdraw_renewal(renewal, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        return _move(renewal, N.WITHDRAWN, actor=actor, now=now, action="experts.renewal.withdraw")


def approve_renewal(renewal, *, actor, reason="", now=None):
    """The approver approves. If the body's policy lets renewals skip the notice, the term is
    extended at once; otherwise the secretariat publishes the renewal notice next."""
    now = now or timezone.now()
    reason = _text(reason, "reason", _("审批意见"))
    with transaction.atomic():
        renewal = _move(renewal, N.APPROVED, actor=actor, note_field="decision_reason", note=reason, now=now,
                        action="experts.renewal.approve")
        renewal.decided_by, renewal.decided_at = actor, now
        renewal.save(update_fields=["decided_by", "decided_at"])
        if renewal.body.policy.renewal_skips_notice:
            RENEWAL_FLOW.check(renewal, to=N.RENEWED, actor=actor)
            _renew(renewal, actor=actor, now=now)
        else:
            notify.later(_staff(renewal.body), "renewal_approved", renewal, body=renewal.body,
                         subject=notify.fmt(gettext_lazy("续聘已批准，请发布公示：%(name)s"), name=renewal.expert.public_name),
                         text=reason, url=reverse("experts:renewal-detail", args=[renewal.body.key, renewal.pk]))
    return renewal


def publish_renewal_notice(renewal, *, actor, now=None):
    """Publish the renewal in a public notice of notice_workdays working days (public fields only)."""
    now = now or timezone.now()
    with transaction.atomic():
        renewal = _locked_renewal(renewal)
        RENEWAL_FLOW.check(renewal, to=N.IN_NOTICE, actor=actor)
        body, policy, expert = renewal.body, renewal.body.policy, renewal.expert
        today = localdate(now)
        period = workdays.deadline_end(today, policy.notice_workdays, count_start=policy.count_publication_day)
        with translation.override("zh-hans"):
            title = _("%(body)s专家续聘公示") % {"body": body.name_zh}
            text = _("经本人申请、资格复核和审批，拟续聘下列专家，聘期%(years)d年。公示期至%(end)s。") % {
                "years": policy.term_years, "end": workdays.format_deadline(period)}
        notice = Notice.objects.create(
            body=body, kind=Notice.Kind.RENEWAL, number=notice_number(body, today.year), title=title, text=text,
            status=Notice.Status.OPEN, published_at=now, starts_on=today, ends_on=period.end_date,
            ends_at=period.end_at, provisional=period.provisional, policy_snapshot=policy.snapshot(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        NoticeEntry.objects.create(notice=notice, application=expert.application, order=1,
                                   public_name=expert.public_name, public_employer=expert.public_employer,
                                   public_title=expert.public_title, public_fields=expert.public_fields)
        renewal.status = N.IN_NOTICE
        renewal.notice = notice
        renewal.save(update_fields=["status", "notice"])
        audit.record(actor, "experts.renewal.notice", renewal, body=body,
                     data={"notice": notice.number, "ends_at": period.end_at}, now=now)
    return renewal


def complete_due_renewals(*, now=None):
    """Renew the memberships whose renewal notice ended (idempotent). Returns the count."""
    now = now or timezone.now()
    done = 0
    ids = list(Renewal.objects.filter(status=N.IN_NOTICE, notice__ends_at__lte=now).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            renewal = (Renewal.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("body__policy", "expert__user", "notice")
                       .filter(pk=pk, status=N.IN_NOTICE).first())
            if renewal is None:
                continue
            Notice.objects.filter(pk=renewal.notice_id, status=Notice.Status.OPEN).update(
                status=Notice.Status.CLOSED, closed_at=now)
            NoticeEntry.objects.filter(notice_id=renewal.notice_id).update(outcome=NoticeEntry.Outcome.ADMITTED)
            _renew(renewal, actor=None, now=now)
            done += 1
    return done


def _renew(renewal, *, actor, now):
    """Extend the term by policy.term_years from the day after the old end (or from today for a
    membership renewed after it lapsed) and issue a new certificate number."""
    expert = (Expert.objects.select_for_update(of=("self",)).select_related("body__policy", "profile")
              .get(pk=renewal.expert_id))
    body, policy = expert.body, expert.body.policy
    today = localdate(now)
    if expert.status not in (Expert.Status.ACTIVE, Expert.Status.LAPSED):
        raise TermError(_("该专家已出库，不能续聘。"))
    start = max(expert.term_end + timedelta(days=1), today)
    new_end = term_end_for(start, policy.term_years)
    config = pool_settings(body)
    number = format_number(config.certificate_format, prefix=config.certificate_prefix, year=today.year,
                           seq=next_sequence(body, "certificate", today.year))
    if Expert.objects.filter(certificate_no=number).exists():
        raise TermError(_("证书编号 %(number)s 已被使用，请检查证书编号格式。") % {"number": number})
    old = {"term_start": expert.term_start, "term_end": expert.term_end, "certificate_no": expert.certificate_no,
           "status": expert.status}
    expert.term_start, expert.term_end, expert.certificate_no = start, new_end, number
    expert.status = Expert.Status.ACTIVE
    expert.admitted_at = now
    expert.save(update_fields=["term_start", "term_end", "certificate_no", "status", "admitted_at"])
    sync_profile_copies(expert.profile)  # back in the pool: draws test the profile as it is now
    renewal.status = N.RENEWED
    renewal.new_term_end = new_end
    renewal.renewed_at = now
    renewal.save(update_fields=["status", "new_term_end", "renewed_at"])
    audit.record(actor, "experts.renewal.renew", renewal, body=body, now=now, data={
        "expert": expert.pk, "before": old,
        "after": {"term_start": start, "term_end": new_end, "certificate_no": number}})
    notify.later([expert.user], "renewal_done", renewal, body=body,
                 subject=notify.fmt(gettext_lazy("您已续聘“%(body)s”专家，新聘书已生成"), body=body.name_zh),
                 text=notify.fmt(gettext_lazy("新聘期：%(term)s；证书编号：%(number)s。"), term=format_period(start, new_end),
                                 number=number),
                 url=reverse("experts:certificate-pdf", args=[expert.pk]))
    return expert


def can_file_renewal(expert, user):
    return expert.status == Expert.Status.ACTIVE and (
        user.pk == expert.user_id or has(user, "manage_experts", expert.body))


# ---------------------------------------------------------------------------
# annual enrolment windows


def open_enrolment_window(body, *, actor, title, opens_at, closes_at, text="", now=None):
    """Open an enrolment window (征集期) for a body: a Call with dates, announced publicly on
    /enrolment/. Only bodies whose policy has annual_enrolment; windows of a body never overlap."""
    now = now or timezone.now()
    require(actor, "manage_experts", body)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写征集公告标题。")]
    if not opens_at or not closes_at:
        errors["closes_at"] = [_("请填写开始和截止时间。")]
    elif closes_at <= opens_at:
        errors["closes_at"] = [_("截止时间须晚于开始时间。")]
    elif closes_at <= now:
        errors["closes_at"] = [_("截止时间须晚于当前时间。")]
    if errors:
        raise TermError(errors)
    if not body.policy.annual_enrolment:
        raise TermError(_("“%(body)s”的规则未设置每年集中征集，其征集常年开放。") % {"body": body.name_zh})
    with transaction.atomic():
        overlapping = (Call.objects.select_for_update().filter(body=body, is_active=True, opens_at__isnull=False,
                                                               opens_at__lt=closes_at, closes_at__gt=opens_at))
        if overlapping.exists():
            raise TermError({"opens_at": [_("与已有征集期“%(title)s”重叠。") % {"title": overlapping.first().title}]})
        call = Call.objects.create(body=body, title=title, text=(text or "").strip(), opens_at=opens_at,
                                   closes_at=closes_at)
        audit.record(actor, "experts.enrolment.open", call, body=body,
                     data={"title": title, "opens_at": opens_at, "closes_at": closes_at}, now=now)
    return call


def close_all_year_calls(body, *, actor, now=None):
    """Deactivate the body's undated (all-year) calls so that only windows open the form."""
    require(actor, "manage_experts", body)
    with transaction.atomic():
        n = Call.objects.filter(body=body, is_active=True, opens_at__isnull=True, closes_at__isnull=True).update(
            is_active=False)
        if n:
            audit.record(actor, "experts.enrolment.close_all_year", body, body=body, data={"calls": n}, now=now)
    return n


def next_window(body, now=None):
    """The next window that has not opened yet (or None)."""
    now = now or timezone.now()
    return Call.objects.filter(body=body, is_active=True, opens_at__gt=now).order_by("opens_at").first()
