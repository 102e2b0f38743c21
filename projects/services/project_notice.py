"""The public notice of an approved project: join requests from other units, public
objections, and the end of the period.

    request_join(project, org, actor=user, role=…, contribution=…)   while the notice is open
    answer_join(request, actor=owner, accept=…, reason=…)            PENDING → ACCEPTED/DECLINED
    confirm_join(request, actor=staff, confirm=…, reason=…)          ACCEPTED → CONFIRMED/REFUSED
    file_objection(project, name=…, contact=…, facts=…, ip=…)        anyone, while open
    accept_objection(objection, actor=staff, reason=…)               the decision deadline starts
    decline_objection(objection, actor=staff, reason=…)              not accepted (does not hold the notice)
    decide_objection(objection, actor=staff, upheld=…, reason=…)     upheld stops the project
    close_due_notices(now=…)                                          the beat task (idempotent)
"""
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays

from ..models import JoinRequest, Partner, Project, ProjectObjection
from ..workflows import JOIN_FLOW, PROJECT_FLOW
from .project_common import (ProjectError, as_owner, office_users, organisations_of, owner_users,
                             refuse_archived, require_staff, tell)

S = Project.Status
J = JoinRequest.Status


def notice_is_open(project, now=None):
    now = now or timezone.now()
    return project.status == S.IN_NOTICE and project.notice_ends_at is not None and now < project.notice_ends_at


def request_join(project, org, *, actor, role, contribution, now=None):
    """Another unit of the body asks to join, during the notice period (which ends at 24:00 of
    its last working day)."""
    now = now or timezone.now()
    role, contribution = (role or "").strip(), (contribution or "").strip()
    errors = {}
    if not role:
        errors["role"] = [_("请填写拟承担的角色。")]
    if not contribution:
        errors["contribution"] = [_("请填写拟贡献的内容。")]
    if errors:
        raise ProjectError(errors)
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).select_related("body", "owner_org").get(pk=project.pk)
        refuse_archived(project)
        if not notice_is_open(project, now):
            raise ProjectError(_("该项目不在公示期内，不能申请加入。"))
        if not organisations_of(actor, project.body).filter(pk=org.pk).exists():
            raise ProjectError(_("您不是该单位在本机构的账号，不能以该单位名义申请加入。"))
        if org.pk == project.owner_org_id:
            raise ProjectError(_("申报单位不需要申请加入自己的项目。"))
        if project.join_requests.filter(organisation=org, status__in=[J.PENDING, J.ACCEPTED, J.CONFIRMED]).exists():
            raise ProjectError(_("该单位已申请加入本项目，请勿重复申请。"))
        jr = JoinRequest.objects.create(project=project, organisation=org, requested_by=actor, role=role[:100],
                                        contribution=contribution, requested_at=now)
        audit.record(actor, "projects.join.request", jr, body=project.body, now=now,
                     data={"project": project.pk, "organisation": org.name, "role": jr.role})
        tell(owner_users(project), "project_join_request", project,
                     subject=notify.fmt(gettext_lazy("%(org)s 申请加入项目“%(title)s”"), org=org.name, title=project.title),
                     text=notify.fmt(gettext_lazy("拟承担角色：%(role)s。请在项目页面处理。"), role=jr.role))
    return jr


def _lock_request(jr):
    return (JoinRequest.objects.select_for_update(of=("self",))
            .select_related("project__body", "project__owner_org", "organisation").get(pk=jr.pk))


def answer_join(jr, *, actor, accept, reason="", now=None):
    """The applying unit accepts or declines a join request."""
    now = now or timezone.now()
    with transaction.atomic():
        jr = _lock_request(jr)
        refuse_archived(jr.project)
        as_owner(jr.project, actor)
        to = J.ACCEPTED if accept else J.DECLINED
        JOIN_FLOW.check(jr, to=to, actor=actor)
        jr.status, jr.reason, jr.decided_at = to, (reason or "").strip(), now
        jr.save(update_fields=["status", "reason", "decided_at"])
        audit.record(actor, "projects.join.answer", jr, body=jr.project.body, now=now,
                     data={"project": jr.project_id, "accept": bool(accept), "reason": jr.reason})
        recipients = list(jr.organisation.members.filter(is_active=True))
        if accept:
            recipients += office_users(jr.project)
        tell(recipients, "project_join_answer", jr.project,
                     subject=notify.fmt(gettext_lazy("申报单位同意 %(org)s 加入项目“%(title)s”，待办公室确认") if accept
                                        else gettext_lazy("申报单位谢绝了 %(org)s 加入项目“%(title)s”的申请"),
                                        org=jr.organisation.name, title=jr.project.title))
    return jr


def confirm_join(jr, *, actor, confirm=True, reason="", now=None):
    """The office confirms an accepted join request: the unit becomes a partner."""
    now = now or timezone.now()
    with transaction.atomic():
        jr = _lock_request(jr)
        refuse_archived(jr.project)
        to = J.CONFIRMED if confirm else J.REFUSED
        JOIN_FLOW.check(jr, to=to, actor=actor)
        jr.status, jr.confirmed_at = to, now
        if reason:
            jr.reason = reason.strip()
        jr.save(update_fields=["status", "confirmed_at", "reason"])
        if confirm:
            Partner.objects.create(project=jr.project, unit_name=jr.organisation.name,
                                   unit_key=jr.organisation.credit_code, organisation=jr.organisation,
                                   role=jr.role, contribution=jr.contribution)
        audit.record(actor, "projects.join.confirm", jr, body=jr.project.body, now=now,
                     data={"project": jr.project_id, "confirm": bool(confirm), "organisation": jr.organisation.name})
        tell(list(jr.organisation.members.filter(is_active=True)) + owner_users(jr.project),
                     "project_join_confirm", jr.project,
                     subject=notify.fmt(gettext_lazy("%(org)s 已加入项目“%(title)s”") if confirm
                                        else gettext_lazy("办公室未确认 %(org)s 加入项目“%(title)s”"),
                                        org=jr.organisation.name, title=jr.project.title))
    return jr


def file_objection(project, *, name, contact, facts, ip=None, now=None):
    """Anyone files a written objection while the notice is open. Name and contact are kept
    private; the public page never shows them."""
    now = now or timezone.now()
    errors = {}
    for key, value, msg in (("name", name, _("请填写异议人姓名或单位。")),
                            ("contact", contact, _("请填写联系方式。")),
                            ("facts", facts, _("请填写异议事实和理由。"))):
        if not (value or "").strip():
            errors[key] = [msg]
    if errors:
        raise ProjectError(errors)
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).select_related("body").get(pk=project.pk)
        if not notice_is_open(project, now):
            raise ProjectError(_("该项目的公示期已结束，不能再提出异议。"))
        objection = ProjectObjection.objects.create(
            project=project, receipt_no=f"XMYY-{timezone.localdate(now):%Y%m%d}-{secrets.token_hex(4).upper()}",
            objector_name=name.strip()[:100], objector_contact=contact.strip()[:100], facts=facts.strip(),
            filed_at=now, ip=ip)
        audit.record(None, "projects.objection.file", objection, body=project.body, now=now,
                     data={"project": project.pk, "receipt": objection.receipt_no})
        tell(office_users(project), "project_objection", project,
                     subject=notify.fmt(gettext_lazy("项目公示收到异议：%(title)s"), title=project.title),
                     text=notify.fmt(gettext_lazy("回执编号 %(no)s，请及时处理。"), no=objection.receipt_no))
    return objection


def _lock_objection(objection):
    return (ProjectObjection.objects.select_for_update(of=("self",))
            .select_related("project__body__policy", "project__owner_org").get(pk=objection.pk))


def accept_objection(objection, *, actor, reason="", now=None):
    """Staff accept an objection for investigation: the decision is due within the policy's
    objection_decision_workdays working days of acceptance (stored on the row)."""
    now = now or timezone.now()
    with transaction.atomic():
        objection = _lock_objection(objection)
        project = objection.project
        refuse_archived(project)
        require_staff(project, actor)
        if objection.status != ProjectObjection.Status.FILED:
            raise ProjectError(_("该异议已受理或已处理。"))
        days = project.body.policy.objection_decision_workdays
        period = workdays.deadline_end(timezone.localdate(now), days)
        objection.status = ProjectObjection.Status.ACCEPTED
        objection.accepted_at, objection.decide_by, objection.decide_by_provisional = now, period.end_at, period.provisional
        objection.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        objection.save()
        audit.record(actor, "projects.objection.accept", objection, body=project.body, now=now, data={
            "project": project.pk, "reason": (reason or "").strip(), "decide_by": period.end_at,
            "objection_decision_workdays": days})
    return objection


def decline_objection(objection, *, actor, reason, now=None):
    """Staff do not accept an objection (e.g. no facts given); it no longer holds the notice."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ProjectError({"reason": [_("请填写不予受理的理由。")]})
    with transaction.atomic():
        objection = _lock_objection(objection)
        project = objection.project
        refuse_archived(project)
        require_staff(project, actor)
        if objection.status != ProjectObjection.Status.FILED:
            raise ProjectError(_("该异议已受理或已处理。"))
        objection.status = ProjectObjection.Status.NOT_ACCEPTED
        objection.decided_at, objection.decision_reason = now, reason
        objection.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        objection.save()
        audit.record(actor, "projects.objection.decline", objection, body=project.body, now=now,
                     data={"project": project.pk, "reason": reason})
    return objection


def decide_objection(objection, *, actor, upheld, reason, now=None):
    """Staff decide an objection: upheld stops the project (IN_NOTICE → STOPPED)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ProjectError({"reason": [_("请填写处理结论和理由。")]})
    with transaction.atomic():
        objection = _lock_objection(objection)
        project = objection.project
        refuse_archived(project)
        require_staff(project, actor)
        if objection.status != ProjectObjection.Status.ACCEPTED:
            raise ProjectError(_("只能对已受理的异议作出处理结论。"))
        if upheld:
            project = Project.objects.select_for_update(of=("self",)).select_related("body", "owner_org").get(
                pk=project.pk)
            PROJECT_FLOW.check(project, to=S.STOPPED, actor=actor)
            project.status = S.STOPPED
            project.decision_reason = reason
            project.save()
        objection.status = ProjectObjection.Status.UPHELD if upheld else ProjectObjection.Status.DISMISSED
        objection.decided_at, objection.decision_reason = now, reason
        objection.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        objection.save()
        audit.record(actor, "projects.objection.decide", objection, body=project.body, now=now,
                     data={"project": project.pk, "upheld": bool(upheld), "reason": reason})
        if upheld:
            tell(owner_users(project), "project_stopped", project,
                         subject=notify.fmt(gettext_lazy("项目公示异议成立，立项终止：%(title)s"), title=project.title), text=reason)
    return objection


def close_due_notices(*, now=None):
    """End notices whose period is over: the project starts unless an objection is still
    undecided (it waits) — upheld objections already stopped it. Safe to run late or twice."""
    now = now or timezone.now()
    started = []
    due = (Project.objects.filter(status=S.IN_NOTICE, notice_ends_at__lte=now)
           .exclude(objections__status__in=ProjectObjection.UNDECIDED).values_list("pk", flat=True))
    for pk in list(due):
        with transaction.atomic():
            project = (Project.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("body", "owner_org").filter(pk=pk, status=S.IN_NOTICE).first())
            if project is None or project.objections.filter(status__in=ProjectObjection.UNDECIDED).exists():
                continue
            PROJECT_FLOW.check(project, to=S.IN_PROGRESS, actor=None)
            project.status = S.IN_PROGRESS
            project.started_at = now
            project.save(update_fields=["status", "started_at", "updated_at"])
            audit.record(None, "projects.notice.close", project, body=project.body, now=now,
                         data={"ends_at": project.notice_ends_at})
            tell(owner_users(project), "project_started", project,
                         subject=notify.fmt(gettext_lazy("项目公示期满，进入实施：%(title)s"), title=project.title),
                         dedupe_key=f"project-started-{project.pk}")
            started.append(project.pk)
    return started
