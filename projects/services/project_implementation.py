"""Implementation of a project: working group, progress reports on milestones, documents,
reminders around due dates, adjustments (versioned) and termination.

    add_team_member(project, actor=owner, name=…, unit_name=…, role=…)
    file_progress_report(milestone, actor=owner, text=…, progress=…)
    remind_milestones(now=…)                                  the daily beat task (idempotent)
    request_adjustment(project, actor=owner, kind=…, reason=…, changes=…)
    decide_adjustment(adjustment, actor=approver, approve=…, reason=…)   approved → new ProjectVersion
    request_termination(project, actor=owner, reason=…)
    decide_termination(project, actor=approver, approve=…, reason=…)     approved → public announcement
"""
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import has, users_with

from ..models import Adjustment, Announcement, BudgetLine, Milestone, ProgressReport, Project, TeamMember
from ..workflows import ADJUSTMENT_FLOW, PROJECT_FLOW
from .project_application import _lock, _record_version
from .project_common import (ProjectError, as_owner, diff, localdate, office_users, owner_users, project_settings,
                             refuse_archived, require_owner, snapshot, tell)

S = Project.Status
ACTIVE = (S.IN_NOTICE, S.IN_PROGRESS)


def _owner_or_staff(project, actor):
    if actor is None or has(actor, "manage_projects", project.body):
        return
    require_owner(project, actor)


def add_team_member(project, *, actor, name, unit_name, role=TeamMember.Role.MEMBER, duty="", now=None):
    now = now or timezone.now()
    if not (name or "").strip() or not (unit_name or "").strip():
        raise ProjectError(_("请填写成员姓名和所在单位。"))
    if role not in TeamMember.Role.values:
        raise ProjectError({"role": [_("请选择有效的角色。")]})
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        _owner_or_staff(project, actor)
        if project.status not in ACTIVE:
            raise ProjectError(_("只有公示中或实施中的项目可以调整工作小组。"))
        member = TeamMember.objects.create(project=project, name=name.strip()[:100], unit_name=unit_name.strip()[:200],
                                           role=role, duty=(duty or "").strip()[:200])
        audit.record(actor, "projects.team.add", member, body=project.body, now=now,
                     data={"project": project.pk, "name": member.name, "role": role})
    return member


def file_progress_report(milestone, *, actor, text, progress, now=None):
    now = now or timezone.now()
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = [_("请填写进展情况。")]
    if progress is None or not 0 <= int(progress) <= 100:
        errors["progress"] = [_("完成进度应在 0 到 100 之间。")]
    if errors:
        raise ProjectError(errors)
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update(of=("self",)).select_related(
            "project__body", "project__owner_org").get(pk=milestone.pk)
        project = milestone.project
        refuse_archived(project)
        require_owner(project, actor)
        if project.status != S.IN_PROGRESS:
            raise ProjectError(_("只有实施中的项目可以提交进展报告。"))
        report = ProgressReport.objects.create(milestone=milestone, text=text, progress=int(progress),
                                               filed_by=actor, filed_at=now)
        milestone.progress = int(progress)
        milestone.done_on = localdate(now) if milestone.progress == 100 else None
        milestone.save(update_fields=["progress", "done_on"])
        audit.record(actor, "projects.milestone.report", report, body=project.body, now=now,
                     data={"project": project.pk, "milestone": milestone.pk, "progress": report.progress})
        tell(office_users(project), "project_progress", project,
                     subject=notify.fmt(gettext_lazy("项目进展报告：%(title)s（%(m)s）"), title=project.title,
                                        m=milestone.title))
    return report


def remind_milestones(*, now=None):
    """Remind the applying unit N days before a milestone is due (N from the project settings)
    and the unit and the office the day after it is overdue; each reminder once per milestone."""
    now = now or timezone.now()
    today = localdate(now)
    sent = {"before": 0, "after": 0}
    open_ms = (Milestone.objects.filter(project__status=S.IN_PROGRESS, done_on__isnull=True)
               .filter(due_on__lte=today + timedelta(days=60)).select_related("project__body", "project__owner_org"))
    settings_cache = {}
    for m in open_ms.filter(reminded_before_on__isnull=True, due_on__gte=today):
        body = m.project.body
        days = settings_cache.setdefault(body.pk, project_settings(body).reminder_days_before)
        if (m.due_on - today).days > days:
            continue
        with transaction.atomic():
            if Milestone.objects.filter(pk=m.pk, reminded_before_on__isnull=True).update(reminded_before_on=today):
                tell(owner_users(m.project), "project_milestone_due", m.project,
                             subject=notify.fmt(gettext_lazy("里程碑即将到期：%(m)s（%(due)s）"), m=m.title, due=m.due_on),
                             dedupe_key=f"milestone-before-{m.pk}")
                sent["before"] += 1
    for m in open_ms.filter(reminded_after_on__isnull=True, due_on__lt=today):
        with transaction.atomic():
            if Milestone.objects.filter(pk=m.pk, reminded_after_on__isnull=True).update(reminded_after_on=today):
                tell(owner_users(m.project) + office_users(m.project), "project_milestone_overdue", m.project,
                             subject=notify.fmt(gettext_lazy("里程碑已逾期：%(title)s —— %(m)s（%(due)s）"),
                                                title=m.project.title, m=m.title, due=m.due_on),
                             dedupe_key=f"milestone-after-{m.pk}")
                sent["after"] += 1
    return sent


def _clean_changes(project, kind, changes):
    """Validate proposed changes per kind; returns the normalised dict stored on the request."""
    K = Adjustment.Kind
    changes = changes or {}
    if kind == K.SCOPE:
        out = {k: (changes.get(k) or "").strip() for k in ("goals", "expected_outputs") if (changes.get(k) or "").strip()}
        if not out:
            raise ProjectError({"goals": [_("请填写调整后的研究内容或预期成果。")]})
        return out
    if kind == K.TIMELINE:
        ends_on = changes.get("ends_on")
        if isinstance(ends_on, str):
            try:
                ends_on = date.fromisoformat(ends_on)
            except ValueError:
                ends_on = None
        if not ends_on:
            raise ProjectError({"ends_on": [_("请填写调整后的结束日期。")]})
        if project.starts_on and ends_on < project.starts_on:
            raise ProjectError({"ends_on": [_("结束日期不能早于开始日期。")]})
        return {"ends_on": ends_on.isoformat()}
    if kind == K.MEMBERS:
        add = [m for m in changes.get("add", []) if m.get("name")]
        remove = [int(x) for x in changes.get("remove", [])]
        if not add and not remove:
            raise ProjectError({"members": [_("请填写要增加或调整的成员。")]})
        return {"add": add, "remove": remove}
    if kind == K.BUDGET:
        lines = []
        for line in changes.get("lines", []):
            try:
                amount = Decimal(str(line.get("amount")))
            except (InvalidOperation, TypeError):
                raise ProjectError({"budget": [_("金额必须是数字。")]})
            if amount < 0:
                raise ProjectError({"budget": [_("金额不能为负数。")]})
            lines.append({"item": line.get("item", "")[:100], "amount": str(amount), "source": line.get("source", "")[:100]})
        if not lines:
            raise ProjectError({"budget": [_("请填写调整后的预算。")]})
        return {"lines": lines}
    raise ProjectError({"kind": [_("请选择调整类型。")]})


def request_adjustment(project, *, actor, kind, reason, changes, now=None):
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        require_owner(project, actor)
        if project.status != S.IN_PROGRESS:
            raise ProjectError(_("只有实施中的项目可以申请调整。"))
        if not reason:
            raise ProjectError({"reason": [_("请填写调整理由。")]})
        if project.adjustments.filter(status=Adjustment.Status.PENDING).exists():
            raise ProjectError(_("已有一项调整申请在审批中，请等待审批后再提出。"))
        clean = _clean_changes(project, kind, changes)
        adj = Adjustment.objects.create(project=project, kind=kind, reason=reason, changes=clean,
                                        requested_by=actor, requested_at=now)
        audit.record(actor, "projects.adjustment.request", adj, body=project.body, now=now,
                     data={"project": project.pk, "kind": kind, "changes": clean, "reason": reason})
        tell(users_with("approve", project.body) + office_users(project), "project_adjustment", project,
             subject=notify.fmt(gettext_lazy("项目调整申请待审批：%(title)s"), title=project.title))
    return adj


def _apply(project, adj):
    K = Adjustment.Kind
    c = adj.changes
    if adj.kind == K.SCOPE:
        for k in ("goals", "expected_outputs"):
            if k in c:
                setattr(project, k, c[k])
        project.save()
    elif adj.kind == K.TIMELINE:
        project.ends_on = date.fromisoformat(c["ends_on"])
        project.save()
    elif adj.kind == K.MEMBERS:
        project.team.filter(pk__in=c.get("remove", [])).delete()
        TeamMember.objects.bulk_create([
            TeamMember(project=project, name=m["name"][:100], unit_name=m.get("unit_name", "")[:200],
                       role=m.get("role") if m.get("role") in TeamMember.Role.values else TeamMember.Role.MEMBER)
            for m in c.get("add", [])])
    elif adj.kind == K.BUDGET:
        project.budget_lines.all().delete()
        BudgetLine.objects.bulk_create([BudgetLine(project=project, item=b["item"], amount=Decimal(b["amount"]),
                                                   source=b["source"]) for b in c["lines"]])


def decide_adjustment(adj, *, actor, approve, reason="", now=None):
    """Approve (apply the change and freeze a new version: what changed, who approved) or reject."""
    now = now or timezone.now()
    with transaction.atomic():
        adj = Adjustment.objects.select_for_update(of=("self",)).select_related("project").get(pk=adj.pk)
        project = _lock(adj.project)
        adj.project = project
        refuse_archived(project)
        to = Adjustment.Status.APPROVED if approve else Adjustment.Status.REJECTED
        ADJUSTMENT_FLOW.check(adj, to=to, actor=actor)
        reason = (reason or "").strip()
        if not approve and not reason:
            raise ProjectError({"reason": [_("不批准时请填写理由。")]})
        adj.status, adj.decided_at, adj.decision_reason = to, now, reason
        adj.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        adj.save()
        version = None
        if approve:
            before = snapshot(project)
            _apply(project, adj)
            after = snapshot(project)
            version = _record_version(project, actor=actor, adjustment=adj, changed=diff(before, after), now=now,
                                      summary=_("调整（%(kind)s）：%(reason)s") % {
                                          "kind": adj.get_kind_display(), "reason": adj.reason})
        audit.record(actor, "projects.adjustment.decide", adj, body=project.body, now=now,
                     data={"project": project.pk, "approve": bool(approve), "reason": reason,
                           "version": version.number if version else None})
        tell(owner_users(project), "project_adjustment_decided", project,
                     subject=notify.fmt(gettext_lazy("调整申请已批准：%(title)s") if approve
                                        else gettext_lazy("调整申请未批准：%(title)s"), title=project.title),
                     text=reason)
    return adj


def request_termination(project, *, actor, reason, now=None):
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ProjectError({"reason": [_("请填写终止理由。")]})
    with transaction.atomic():
        project = as_owner(_lock(project), actor)
        refuse_archived(project)
        PROJECT_FLOW.check(project, to=S.TERMINATION_PENDING, actor=actor)
        project.status = S.TERMINATION_PENDING
        project.termination_reason = reason
        project.termination_requested_by = actor
        project.save()
        audit.record(actor, "projects.termination.request", project, body=project.body, now=now, data={"reason": reason})
        tell(users_with("approve", project.body), "project_termination", project,
                     subject=notify.fmt(gettext_lazy("项目终止申请待审批：%(title)s"), title=project.title), text=reason)
    return project


def decide_termination(project, *, actor, approve, reason="", now=None):
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        to = S.TERMINATED if approve else S.IN_PROGRESS
        PROJECT_FLOW.check(project, to=to, actor=actor)
        if not approve and not reason:
            raise ProjectError({"reason": [_("不批准时请填写理由。")]})
        project.status = to
        if approve:
            project.finished_at = now
            Announcement.objects.create(
                project=project, kind=Announcement.Kind.TERMINATION, published_at=now,
                title=_("项目终止公告：%(title)s") % {"title": project.title},
                text=_("经批准，“%(title)s”（%(number)s，申报单位：%(org)s）终止实施。终止理由：%(reason)s") % {
                    "title": project.title, "number": project.number, "org": project.owner_org.name,
                    "reason": project.termination_reason})
        project.save()
        audit.record(actor, "projects.termination.decide", project, body=project.body, now=now,
                     data={"approve": bool(approve), "reason": reason})
        tell(owner_users(project), "project_termination_decided", project,
                     subject=notify.fmt(gettext_lazy("项目终止申请已批准：%(title)s") if approve
                                        else gettext_lazy("项目终止申请未批准：%(title)s"), title=project.title),
                     text=reason)
    return project

