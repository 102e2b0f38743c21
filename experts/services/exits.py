"""Exit from the pool (出库): every computed trigger, reported violation or voluntary request
becomes an ExitCase that people move through EXIT_FLOW — nothing is removed silently.

    open_case_for_trigger(trigger)                     # the system (signal / sweep task)
    raise_age_triggers(now=...)                        # daily: age over policy.age_limit
    report_violation(expert, actor=staff, reason=..., summary=..., evidence_file=...)
    request_voluntary_exit(expert, actor=expert_user, statement=...)
    start_verification(case, actor=staff, findings=...)          # the expert may respond
    respond(case, actor=expert_user, response=...)
    decide(case, actor=approver, leave=True, reason=..., decision_reason=...)
    confirm_voluntary(case, actor=staff, decision_reason=...)
    issue_exit(case, actor=staff)     # written notice (PDF, numbered) + public exit announcement

The expert's response period is PoolSettings.exit_response_workdays working days (portal.workdays),
ending at 24:00 of its last working day. The approver decides once the expert responded or the
period ended. Leaving sets the membership EXITED (draws only use ACTIVE members; history kept).
"""
from datetime import date, datetime, time, timedelta
from functools import partial

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.models import Role, RoleAssignment
from portal.pdf import render_pdf
from portal.permissions import require, users_with
from portal.roles import revoke_role
from portal.workdays import TZ

from ..models import ExitCase, ExitReason, ExitTrigger, Expert, Notice, NoticeEntry
from ..workflows import EXIT_FLOW
from .admission import format_date_zh
from .common import format_number, localdate, next_sequence, pool_settings
from .notices import notice_number

X = ExitCase.Status
TEXT_MAX = 4000


class ExitError(ValidationError):
    """A step the exit rules do not allow; the view shows it on the form."""


def _clean_text(value, field, *, required=True, label=""):
    value = (value or "").strip()
    if required and not value:
        raise ExitError({field: [_("请填写%(label)s。") % {"label": label}]})
    if len(value) > TEXT_MAX:
        raise ExitError({field: [_("%(label)s不能超过 %(n)d 字。") % {"label": label, "n": TEXT_MAX}]})
    return value


def _staff(body):
    return users_with("manage_experts", body)


def _case_url(case):
    return reverse("experts:exit-detail", args=[case.body.key, case.pk])


def _my_case_url(case):
    return reverse("experts:my-exit", args=[case.pk])


def reason_for_trigger(body, kind):
    return ExitReason.objects.filter(body=body, trigger_kind=kind, is_active=True).order_by("order", "pk").first()


def _locked_case(case):
    return (ExitCase.objects.select_for_update(of=("self",))
            .select_related("body__policy", "expert__user", "reason").get(pk=case.pk))


# ---------------------------------------------------------------------------
# opening cases


def open_case_for_trigger(trigger, *, now=None):
    """Open (or join) the exit case for an unresolved trigger of an active member. Idempotent:
    a trigger already linked to a case returns that case; a second trigger of the same expert
    joins the open case. Returns the case, or None for a resolved trigger or a member no longer
    in the pool."""
    now = now or timezone.now()
    with transaction.atomic():
        trigger = ExitTrigger.objects.select_for_update(of=("self",)).select_related("expert__body").get(pk=trigger.pk)
        expert = Expert.objects.select_for_update(of=("self",)).select_related("body").get(pk=trigger.expert_id)
        linked = trigger.exit_cases.order_by("-pk").first()
        if linked is not None:
            return linked
        if trigger.resolved_at is not None or expert.status != Expert.Status.ACTIVE:
            return None
        case = ExitCase.objects.filter(expert=expert, status__in=ExitCase.OPEN_STATUSES).first()
        if case is None:
            case = ExitCase.objects.create(
                body=expert.body, expert=expert, reason=reason_for_trigger(expert.body, trigger.kind),
                source=ExitCase.Source.TRIGGER, status=X.PROPOSED, evidence={trigger.kind: trigger.evidence},
                opened_at=now)
            action = "experts.exit.propose"
        else:
            case.evidence = {**(case.evidence or {}), trigger.kind: trigger.evidence}
            case.save(update_fields=["evidence"])
            action = "experts.exit.add_trigger"
        case.triggers.add(trigger)
        audit.record(None, action, case, body=expert.body,
                     data={"expert": expert.pk, "trigger": trigger.pk, "kind": trigger.kind}, now=now)
    return case


def open_cases_for_open_triggers(*, now=None):
    """Sweep (beat task): every unresolved trigger without a case gets one. Returns the count."""
    now = now or timezone.now()
    ids = list(ExitTrigger.objects.filter(resolved_at__isnull=True, exit_cases__isnull=True,
                                          expert__status=Expert.Status.ACTIVE).values_list("pk", flat=True))
    return sum(1 for pk in ids if open_case_for_trigger(ExitTrigger(pk=pk), now=now) is not None)


def birth_cutoff(today, age_limit):
    """People born on or before this date are over `age_limit` on `today` (they reached
    age_limit + 1 full years). A 29 February birthday counts from 1 March in common years."""
    year = today.year - age_limit - 1
    try:
        return today.replace(year=year)
    except ValueError:  # today is 29 February, the cutoff year is common
        return date(year, 2, 28)


def raise_age_triggers(*, now=None):
    """Daily: open an AGE trigger (and its exit case) for each active member whose age is over
    the body's policy.age_limit (birth date from the profile). Idempotent: one AGE trigger per
    membership, whatever its outcome. Returns the number of new triggers."""
    now = now or timezone.now()
    today = localdate(now)
    raised = 0
    # one AGE trigger per membership: once an approver kept an expert over the limit (an exemption,
    # e.g. an academician), the daily run does not propose the exit again
    candidates = (Expert.objects.filter(status=Expert.Status.ACTIVE, body__policy__age_limit__isnull=False,
                                        profile__birth_date__isnull=False)
                  .exclude(Exists(ExitTrigger.objects.filter(expert=OuterRef("pk"), kind=ExitTrigger.Kind.AGE)))
                  .select_related("body__policy", "profile").order_by("pk"))
    for expert in candidates:
        limit = expert.body.policy.age_limit
        if expert.profile.birth_date > birth_cutoff(today, limit):
            continue
        from ..eligibility import age_on

        age = age_on(expert.profile.birth_date, today)
        try:
            with transaction.atomic():
                trigger = ExitTrigger.objects.create(
                    expert=expert, kind=ExitTrigger.Kind.AGE, raised_at=now,
                    evidence={"age": age, "limit": limit, "on": today.isoformat()})
                audit.record(None, "experts.exit_trigger.raise", trigger, body=expert.body,
                             data={"expert": expert.pk, "kind": "age", "age": age, "limit": limit}, now=now)
                notify.later(_staff(expert.body), "exit_case_opened", trigger, body=expert.body,
                             subject=notify.fmt(gettext_lazy("出库情形提示：%(name)s年龄超过%(limit)d周岁"), name=expert.public_name,
                                                limit=limit),
                             text=notify.fmt(gettext_lazy("%(name)s现年 %(age)d 周岁，超过 %(limit)d 周岁的年龄上限，已生成出库建议，请核实。"),
                                             name=expert.public_name, age=age, limit=limit),
                             url=reverse("experts:exit-list", args=[expert.body.key]))
        except IntegrityError:  # another run raised it first
            continue
        open_case_for_trigger(trigger, now=now)
        raised += 1
    return raised


def report_violation(expert, *, actor, reason, summary, evidence_file=None, now=None):
    """Staff report a violation (违规) with evidence: raises the VIOLATION trigger and opens the
    exit case proposing `reason` (an ExitReason of the body). Returns the case."""
    now = now or timezone.now()
    require(actor, "manage_experts", expert.body)
    summary = _clean_text(summary, "summary", label=_("违规情况"))
    if reason is None or reason.body_id != expert.body_id or reason.is_voluntary:
        raise ExitError({"reason": [_("请选择本库的出库情形。")]})
    with transaction.atomic():
        expert = Expert.objects.select_for_update(of=("self",)).select_related("body").get(pk=expert.pk)
        if expert.status != Expert.Status.ACTIVE:
            raise ExitError(_("%(name)s不在库，不能报告违规。") % {"name": expert.public_name})
        if ExitCase.objects.filter(expert=expert, status__in=ExitCase.OPEN_STATUSES).exists():
            raise ExitError(_("%(name)s已有正在办理的出库事项，请在该事项中补充材料。") % {"name": expert.public_name})
        trigger = ExitTrigger.objects.filter(expert=expert, kind=ExitTrigger.Kind.VIOLATION,
                                             resolved_at__isnull=True).first()
        evidence = {"summary": summary, "reason": reason.code, "reported_by": actor.pk,
                    "file": bool(evidence_file)}
        if trigger is None:
            trigger = ExitTrigger.objects.create(expert=expert, kind=ExitTrigger.Kind.VIOLATION, raised_at=now,
                                                 evidence=evidence)
        case = ExitCase(body=expert.body, expert=expert, reason=reason, source=ExitCase.Source.VIOLATION,
                        status=X.PROPOSED, summary=summary, evidence={"violation": evidence}, opened_at=now,
                        opened_by=actor)
        if evidence_file:
            case.evidence_file = evidence_file
        case.save()
        case.triggers.add(trigger)
        audit.record(actor, "experts.exit.report_violation", case, body=expert.body,
                     data={"expert": expert.pk, "reason": reason.code, "trigger": trigger.pk,
                           "file": case.evidence_file.name if case.evidence_file else ""}, now=now)
    return case


def request_voluntary_exit(expert, *, actor, statement, now=None):
    """The expert asks to leave the pool (自愿退出); the secretariat confirms. Returns the case."""
    now = now or timezone.now()
    if getattr(actor, "pk", None) != expert.user_id:
        raise PermissionDenied(_("只有专家本人可以申请退出。"))
    statement = _clean_text(statement, "statement", label=_("退出理由"))
    with transaction.atomic():
        expert = Expert.objects.select_for_update(of=("self",)).select_related("body").get(pk=expert.pk)
        if expert.status != Expert.Status.ACTIVE:
            raise ExitError(_("您已不在该专家库中。"))
        if ExitCase.objects.filter(expert=expert, status__in=ExitCase.OPEN_STATUSES).exists():
            raise ExitError(_("已有正在办理的出库事项，请勿重复申请。"))
        reason = ExitReason.objects.filter(body=expert.body, is_voluntary=True, is_active=True).order_by("order").first()
        case = ExitCase.objects.create(body=expert.body, expert=expert, reason=reason,
                                       source=ExitCase.Source.VOLUNTARY, status=X.REQUESTED, summary=statement,
                                       opened_at=now, opened_by=actor)
        audit.record(actor, "experts.exit.request", case, body=expert.body, data={"expert": expert.pk}, now=now)
        notify.later(_staff(expert.body), "exit_requested", case, body=expert.body,
                     subject=notify.fmt(gettext_lazy("%(name)s申请退出“%(body)s”"), name=expert.public_name,
                                        body=expert.body.name_zh),
                     text=notify.fmt(gettext_lazy("理由：%(text)s"), text=statement), url=_case_url(case))
    return case


def withdraw_request(case, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked_case(case)
        EXIT_FLOW.check(case, to=X.WITHDRAWN, actor=actor)
        case.status = X.WITHDRAWN
        case.closed_at = now
        case.save(update_fields=["status", "closed_at"])
        audit.record(actor, "experts.exit.withdraw", case, body=case.body, data={"expert": case.expert_id}, now=now)
    return case


# ---------------------------------------------------------------------------
# verification, response, decision


def start_verification(case, *, actor, findings, now=None):
    """Staff record their findings (核实情况); the expert is told and may respond within the
    body's exit_response_workdays working days."""
    now = now or timezone.now()
    findings = _clean_text(findings, "findings", label=_("核实情况"))
    with transaction.atomic():
        case = _locked_case(case)
        EXIT_FLOW.check(case, to=X.VERIFYING, actor=actor)
        days = pool_settings(case.body).exit_response_workdays
        deadline = workdays.deadline_end(localdate(now), days)
        case.status = X.VERIFYING
        case.findings = findings
        case.verified_by = actor
        case.verified_at = now
        case.respond_by = deadline.end_at
        case.respond_by_provisional = deadline.provisional
        case.save(update_fields=["status", "findings", "verified_by", "verified_at", "respond_by",
                                 "respond_by_provisional"])
        audit.record(actor, "experts.exit.verify", case, body=case.body,
                     data={"expert": case.expert_id, "respond_by": case.respond_by.isoformat(), "workdays": days},
                     now=now)
        notify.later([case.expert.user], "exit_verification", case, body=case.body,
                     subject=notify.fmt(gettext_lazy("关于您在“%(body)s”的出库核实"), body=case.body.name_zh),
                     text=notify.fmt(gettext_lazy("%(body)s正在核实%(reason)s情形。核实情况：%(findings)s\n如有异议，请于%(deadline)s前"
                            "登录系统陈述意见。"),
                                     body=case.body.name_zh,
                                     reason=f"“{case.reason.label_zh}”" if case.reason else "",
                                     findings=findings, deadline=partial(workdays.format_deadline, deadline)),
                     url=_my_case_url(case))
    return case


def response_open(case, now=None):
    now = now or timezone.now()
    return case.status == X.VERIFYING and case.respond_by is not None and now < case.respond_by


def respond(case, *, actor, response, now=None):
    """The expert states their view during the response period (once; a later statement replaces it)."""
    now = now or timezone.now()
    response = _clean_text(response, "response", label=_("陈述意见"))
    with transaction.atomic():
        case = _locked_case(case)
        if getattr(actor, "pk", None) != case.expert.user_id:
            raise PermissionDenied(_("只有专家本人可以陈述意见。"))
        if not response_open(case, now):
            raise ExitError(_("陈述期限已过或事项不在核实阶段，不能再陈述意见。"))
        case.response = response
        case.responded_at = now
        case.save(update_fields=["response", "responded_at"])
        audit.record(actor, "experts.exit.respond", case, body=case.body, data={"expert": case.expert_id}, now=now)
        notify.later(_staff(case.body) + users_with("approve", case.body), "exit_response", case, body=case.body,
                     subject=notify.fmt(gettext_lazy("%(name)s已就出库核实陈述意见"), name=case.expert.public_name),
                     text=response, url=_case_url(case))
    return case


def can_decide(case, now=None):
    """The approver decides once the expert responded or the response period ended."""
    now = now or timezone.now()
    if case.status == X.PROPOSED:
        return True  # only "keep" is possible from here
    return case.status == X.VERIFYING and (case.responded_at is not None or now >= case.respond_by)


def _resolve_triggers(case, now):
    ExitTrigger.objects.filter(exit_cases=case, resolved_at__isnull=True).update(resolved_at=now)


def decide(case, *, actor, leave, reason=None, decision_reason, now=None):
    """The approver decides: leave (→ DECIDED, the secretariat then notifies and announces) or
    keep (→ KEPT, the triggers are resolved; a later trigger opens a new case)."""
    now = now or timezone.now()
    decision_reason = _clean_text(decision_reason, "decision_reason", label=_("决定理由"))
    with transaction.atomic():
        case = _locked_case(case)
        target = X.DECIDED if leave else X.KEPT
        EXIT_FLOW.check(case, to=target, actor=actor)
        if leave:
            if reason is None or reason.body_id != case.body_id:
                raise ExitError({"reason": [_("请选择出库情形。")]})
            if not can_decide(case, now):
                raise ExitError(_("专家陈述期至%(deadline)s，期满或专家陈述后方可作出出库决定。") % {
                    "deadline": workdays.format_deadline(timezone.localtime(case.respond_by).date() - timedelta(days=1))})
            case.reason = reason
        case.status = target
        case.decision_reason = decision_reason
        case.decided_by = actor
        case.decided_at = now
        fields = ["status", "decision_reason", "decided_by", "decided_at", "reason"]
        if not leave:
            case.closed_at = now
            fields.append("closed_at")
            _resolve_triggers(case, now)
        case.save(update_fields=fields)
        audit.record(actor, "experts.exit.decide", case, body=case.body, data={
            "expert": case.expert_id, "decision": "exit" if leave else "keep",
            "reason": case.reason.code if case.reason else "", "text": decision_reason}, now=now)
        if leave:
            notify.later(_staff(case.body), "exit_decided", case, body=case.body,
                         subject=notify.fmt(gettext_lazy("已决定%(name)s出库，请书面告知并公告"), name=case.expert.public_name),
                         text=decision_reason, url=_case_url(case))
        else:
            notify.later([case.expert.user], "exit_kept", case, body=case.body,
                         subject=notify.fmt(gettext_lazy("出库核实结果：您继续保留在“%(body)s”"), body=case.body.name_zh),
                         text=decision_reason, url=_my_case_url(case))
    return case


def confirm_voluntary(case, *, actor, decision_reason="", now=None):
    """The secretariat confirms a voluntary exit request (→ DECIDED)."""
    now = now or timezone.now()
    decision_reason = _clean_text(decision_reason, "decision_reason", required=False, label=_("确认意见"))
    with transaction.atomic():
        case = _locked_case(case)
        EXIT_FLOW.check(case, to=X.DECIDED, actor=actor)
        if case.reason is None:
            raise ExitError(_("本库未设置“本人申请退出”情形，请先在出库情形中添加。"))
        case.status = X.DECIDED
        case.decision_reason = decision_reason or _("本人申请，予以确认。")
        case.decided_by = actor
        case.decided_at = now
        case.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        audit.record(actor, "experts.exit.confirm", case, body=case.body, data={"expert": case.expert_id}, now=now)
    return case


# ---------------------------------------------------------------------------
# written notice, public announcement, leaving the pool


def letter_number(body, year):
    config = pool_settings(body)
    seq = next_sequence(body, "exit_letter", year)
    return format_number("{prefix}出库〔{year}〕{seq}号", prefix=config.notice_prefix or body.key.upper(),
                         year=year, seq=seq)


def issue_exit(case, *, actor, now=None):
    """Send the written notice (numbered PDF letter) to the expert, publish the exit
    announcement (public fields only: name, employer, title, reason, date) and set the
    membership EXITED (its invitations in draws still to be held are cancelled and replaced 1:1:
    draws.cancel_open_invitations; listed in the audit record); the expert role is revoked when the
    person holds no other active membership of the body. Returns the case."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked_case(case)
        EXIT_FLOW.check(case, to=X.EXITED, actor=actor)
        expert = Expert.objects.select_for_update(of=("self",)).select_related("application").get(pk=case.expert_id)
        body = case.body
        today = localdate(now)
        case.letter_no = letter_number(body, today.year)
        case.exit_date = today
        with translation.override("zh-hans"):
            title = _("%(body)s专家出库公告") % {"body": body.name_zh}
            text = _("根据%(clause)s，经核实并书面告知本人，%(name)s（%(employer)s）因“%(reason)s”，"
                     "自%(date)s起不再担任%(body)s专家，特此公告。") % {
                "clause": (case.reason.clause.split("：")[0] if case.reason.clause else _("有关规定")),
                "name": expert.public_name, "employer": expert.public_employer or "—",
                "reason": case.reason.label_zh, "date": format_date_zh(today), "body": body.name_zh}
        notice = Notice.objects.create(
            body=body, kind=Notice.Kind.EXIT, number=notice_number(body, today.year), title=title, text=text,
            status=Notice.Status.CLOSED, published_at=now, starts_on=today, ends_on=today,
            ends_at=datetime.combine(today + timedelta(days=1), time(0), tzinfo=TZ), provisional=False,
            policy_snapshot=body.policy.snapshot(), closed_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        NoticeEntry.objects.create(notice=notice, application=expert.application, order=0,
                                   public_name=expert.public_name, public_employer=expert.public_employer,
                                   public_title=expert.public_title, public_fields=expert.public_fields)
        case.notice = notice
        case.status = X.EXITED
        case.closed_at = now
        case.save(update_fields=["letter_no", "exit_date", "notice", "status", "closed_at"])
        expert.status = Expert.Status.EXITED
        expert.save(update_fields=["status"])
        _resolve_triggers(case, now)
        # the expert's places in draws still to be held are withdrawn and drawn again 1:1
        from .draws import cancel_open_invitations

        pending = cancel_open_invitations(expert, actor=None, now=now, reason=_("专家已出库（%(no)s）") % {
            "no": case.letter_no})
        from ..models import Renewal

        closed_renewals = list(Renewal.objects.filter(expert=expert, status__in=Renewal.OPEN_STATUSES)
                               .values_list("pk", flat=True))
        Renewal.objects.filter(pk__in=closed_renewals).update(
            status=Renewal.Status.REJECTED, decision_reason=_("专家已出库，续聘终止。"), decided_at=now)
        if not Expert.objects.filter(body=body, user=expert.user_id, status=Expert.Status.ACTIVE).exists():
            for assignment in RoleAssignment.objects.filter(user=expert.user_id, body=body, role=Role.EXPERT):
                revoke_role(assignment, actor=None)
        audit.record(actor, "experts.exit.issue", case, body=body, data={
            "expert": expert.pk, "certificate_no": expert.certificate_no, "letter_no": case.letter_no,
            "notice": notice.number, "reason": case.reason.code, "exit_date": today,
            "open_invitations": pending, "closed_renewals": closed_renewals}, now=now)
        notify.later([expert.user], "exit_notice", case, body=body,
                     subject=notify.fmt(gettext_lazy("出库告知书 %(number)s"), number=case.letter_no),
                     text=notify.fmt(gettext_lazy("根据%(body)s的决定，您因“%(reason)s”自%(date)s起不再担任该库专家。书面告知书可在系统中下载。"),
                                     body=body.name_zh, reason=case.reason.label_zh, date=format_date_zh(today)),
                     url=reverse("experts:exit-letter", args=[case.pk]))
    return case


def on_trigger_saved(sender, instance, created, **kwargs):
    """post_save of ExitTrigger (connected in ExpertsConfig.ready): open its exit case once the
    raising transaction commits. The sweep task catches anything this misses."""
    if created and instance.resolved_at is None:
        pk = instance.pk
        # robust: a failure here must not break the service that raised the trigger (the sweep retries)
        transaction.on_commit(lambda: open_case_for_trigger(ExitTrigger(pk=pk)), robust=True)


def announcement_url(case):
    return settings.SITE_URL.rstrip("/") + reverse("experts:notice-detail", args=[case.notice_id])


def letter_pdf(case):
    """The written notice of exit (出库告知书): number, reason with its clause, findings,
    decision, date, and a QR code of the public announcement. Chinese fonts via portal.pdf."""
    case = ExitCase.objects.select_related("body", "expert", "reason").get(pk=case.pk)
    config = pool_settings(case.body)
    url = announcement_url(case)
    with translation.override("zh-hans"):
        return render_pdf("experts/exits/pdf/letter.html", {
            "case": case, "expert": case.expert, "body_name": case.body.name_zh,
            "issuer": config.certificate_issuer_zh or case.body.parent_org_zh or case.body.name_zh,
            "exit_date": format_date_zh(case.exit_date), "announcement_url": url,
            "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=4),
        })
