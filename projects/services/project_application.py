"""Application and office review of a project.

    create_project(org, actor=user, title=…)         a draft of the unit
    update_project(project, actor=user, values=…, milestones=…, team=…, partners=…, budget=…)
    add_document(project, actor=user, title=…, upload=…)
    submit_project(project, actor=user)               DRAFT/RETURNED → SUBMITTED
    return_project / reject_project(project, actor=staff, reason=…)
    approve_project(project, actor=staff, reason=…)   → IN_NOTICE, or AWAITING_COUNCIL
    record_council_decision(project, passed=…, motion_ref=…)
"""
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experts.validators import sniff_upload
from portal import audit, notify, workdays

from ..models import (Announcement, BudgetLine, Milestone, Partner, Project, ProjectDocument,
                      ProjectVersion, TeamMember)
from ..workflows import PROJECT_FLOW
from .project_common import (ProjectError, as_owner, localdate, office_users, organisations_of, owner_users,
                             project_number, project_settings, refuse_archived, require_owner, snapshot, tell)

S = Project.Status
EDITABLE = (S.DRAFT, S.RETURNED)
CONTENT_FIELDS = ("title", "field", "goals", "expected_outputs", "budget_sources", "starts_on", "ends_on",
                  "lead_name")


def _lock(project):
    return Project.objects.select_for_update(of=("self",)).select_related("body", "owner_org").get(pk=project.pk)


def create_project(org, *, actor, title, now=None):
    """A new draft of the unit `org`; `actor` must be one of its accounts and hold take_part."""
    now = now or timezone.now()
    if not organisations_of(actor, org.body).filter(pk=org.pk).exists():
        raise ProjectError(_("您不是该单位在本机构的账号，不能以该单位名义申报项目。"))
    title = (title or "").strip()
    if not title:
        raise ProjectError({"title": [_("请填写项目名称。")]})
    with transaction.atomic():
        project = Project.objects.create(body=org.body, owner_org=org, created_by=actor, title=title[:200])
        audit.record(actor, "projects.project.create", project, body=org.body, now=now, data={"title": project.title})
    return project


def update_project(project, *, actor, values, milestones=None, team=None, partners=None, budget=None, now=None):
    """Save the draft's content. `milestones` [(title, due_on)], `team` [(name, unit, role)],
    `partners` [(unit_name, unit_key, role, contribution)], `budget` [(item, amount, source)]
    replace the lists when given."""
    now = now or timezone.now()
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        require_owner(project, actor)
        if project.status not in EDITABLE:
            raise ProjectError(_("只有草稿或退回修改的项目可以编辑。"))
        before = {k: getattr(project, k) for k in CONTENT_FIELDS}
        for k in CONTENT_FIELDS:
            if k in values:
                setattr(project, k, values[k])
        if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
            raise ProjectError({"ends_on": [_("结束日期不能早于开始日期。")]})
        project.save()
        if milestones is not None:
            project.milestones.all().delete()
            Milestone.objects.bulk_create([Milestone(project=project, order=i, title=t, due_on=d)
                                           for i, (t, d) in enumerate(milestones, start=1)])
        if team is not None:
            project.team.all().delete()
            TeamMember.objects.bulk_create([TeamMember(project=project, name=n, unit_name=u, role=r)
                                            for n, u, r in team])
        if partners is not None:
            project.partners.filter(organisation__isnull=True).delete()
            Partner.objects.bulk_create([Partner(project=project, unit_name=u, unit_key=k, role=r, contribution=c)
                                         for u, k, r, c in partners])
        if budget is not None:
            project.budget_lines.all().delete()
            BudgetLine.objects.bulk_create([BudgetLine(project=project, item=i, amount=a, source=s)
                                            for i, a, s in budget])
        audit.record(actor, "projects.project.update", project, body=project.body, now=now, data={
            "changed": [k for k in CONTENT_FIELDS if before[k] != getattr(project, k)],
            "lists": [n for n, v in (("milestones", milestones), ("team", team), ("partners", partners),
                                     ("budget", budget)) if v is not None]})
    return project


def add_document(project, *, actor, title, upload, kind=ProjectDocument.Kind.APPLICATION, now=None):
    """Store an attachment privately after checking its type (PDF/JPG/PNG by content) and size."""
    now = now or timezone.now()
    content_type = sniff_upload(upload)
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        require_owner(project, actor)
        if kind == ProjectDocument.Kind.APPLICATION and project.status not in EDITABLE:
            raise ProjectError(_("申报材料只能在草稿或退回修改时上传。"))
        title = (title or "").strip() or upload.name
        doc = ProjectDocument(project=project, kind=kind, title=title[:200], content_type=content_type,
                              size=upload.size, uploaded_by=actor, uploaded_at=now)
        doc.file.save(upload.name, upload, save=False)
        doc.save()
        audit.record(actor, "projects.document.add", doc, body=project.body, now=now,
                     data={"project": project.pk, "title": doc.title, "kind": kind, "size": doc.size})
    return doc


def completeness_errors(project):
    errors = []
    if not project.goals.strip():
        errors.append(_("请填写项目目标。"))
    if not project.expected_outputs.strip():
        errors.append(_("请填写预期成果。"))
    if not project.starts_on or not project.ends_on:
        errors.append(_("请填写项目起止日期。"))
    if not project.lead_name.strip():
        errors.append(_("请填写项目负责人。"))
    if not project.milestones.exists():
        errors.append(_("请至少填写一个里程碑。"))
    if not project.budget_lines.exists():
        errors.append(_("请填写经费预算。"))
    return errors


def submit_project(project, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        project = as_owner(_lock(project), actor)
        refuse_archived(project)
        PROJECT_FLOW.check(project, to=S.SUBMITTED, actor=actor)
        errors = completeness_errors(project)
        if errors:
            raise ProjectError(errors)
        resubmit = project.status == S.RETURNED
        project.status = S.SUBMITTED
        project.submitted_at = now
        project.save(update_fields=["status", "submitted_at", "updated_at"])
        audit.record(actor, "projects.project.submit", project, body=project.body, now=now,
                     data={"resubmission": resubmit})
        tell(office_users(project), "project_submitted", project,
                     subject=notify.fmt(gettext_lazy("项目申报待审核：%(title)s"), title=project.title),
                     text=notify.fmt(gettext_lazy("%(org)s 提交了项目“%(title)s”，请审核。"), org=project.owner_org.name,
                                     title=project.title))
    return project


def _decide(project, *, actor, to, reason, action, now, subject):
    reason = (reason or "").strip()
    if not reason:
        raise ProjectError({"reason": [_("请填写理由。")]})
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        PROJECT_FLOW.check(project, to=to, actor=actor)
        project.status = to
        if to == S.RETURNED:
            project.return_reason = reason
        else:
            project.decision_reason = reason
        project.save()
        audit.record(actor, action, project, body=project.body, now=now, data={"reason": reason})
        tell(owner_users(project), action.replace(".", "_"), project,
                     subject=notify.fmt(subject, title=project.title), text=reason)
    return project


def return_project(project, *, actor, reason, now=None):
    return _decide(project, actor=actor, to=S.RETURNED, reason=reason, action="projects.project.return",
                   now=now or timezone.now(), subject=gettext_lazy("项目申报被退回修改：%(title)s"))


def reject_project(project, *, actor, reason, now=None):
    return _decide(project, actor=actor, to=S.REJECTED, reason=reason, action="projects.project.reject",
                   now=now or timezone.now(), subject=gettext_lazy("项目申报未通过：%(title)s"))


def _record_version(project, *, actor, summary, adjustment=None, changed=None, now):
    number = (project.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    project.version = number
    project.save(update_fields=["version", "updated_at"])
    return ProjectVersion.objects.create(
        project=project, number=number, snapshot=snapshot(project), changed=changed or {}, summary=summary[:300],
        adjustment=adjustment, approved_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now)


def _publish_notice(project, *, actor, now):
    """Open the public notice: period from the project settings (working days), stored on the row."""
    settings = project_settings(project.body)
    policy = project.body.policy
    days = settings.effective_notice_workdays()
    today = localdate(now)
    period = workdays.deadline_end(today, days, count_start=policy.count_publication_day)
    project.status = S.IN_NOTICE
    project.notice_starts_on = today
    project.notice_ends_on = period.end_date
    project.notice_ends_at = period.end_at
    project.notice_provisional = period.provisional
    project.notice_snapshot = {"notice_workdays": days, "count_publication_day": policy.count_publication_day}
    project.approved_at = project.approved_at or now
    project.year = project.year or today.year
    if not project.number:
        project.number = project_number(project.body, today.year)
    project.save()
    ends = workdays.format_deadline(period)
    Announcement.objects.create(
        project=project, kind=Announcement.Kind.NOTICE, published_at=now,
        title=_("立项公示：%(title)s") % {"title": project.title},
        text=_("“%(title)s”（申报单位：%(org)s）已批准立项，现予公示，公示期至 %(ends)s。公示期间，其他单位可申请加入，"
               "任何单位和个人可提出书面异议。") % {"title": project.title, "org": project.owner_org.name, "ends": ends})
    audit.record(actor, "projects.notice.publish", project, body=project.body, now=now, data={
        "number": project.number, "starts_on": today, "ends_on": period.end_date, "ends_at": period.end_at,
        "notice_workdays": days, "provisional": period.provisional})
    tell(owner_users(project), "project_notice", project,
                 subject=notify.fmt(gettext_lazy("项目已立项并公示：%(title)s"), title=project.title),
                 text=notify.fmt(gettext_lazy("公示期至 %(ends)s。"), ends=partial(workdays.format_deadline, period)))


def approve_project(project, *, actor, reason="", now=None):
    """The office approves: the project goes to public notice, or waits for the council where
    the body's project settings require its decision."""
    now = now or timezone.now()
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        council = project_settings(project.body).requires_council_decision
        to = S.AWAITING_COUNCIL if council else S.IN_NOTICE
        PROJECT_FLOW.check(project, to=to, actor=actor)
        project.decision_reason = (reason or "").strip()
        project.approved_at = now
        project.save()
        audit.record(actor, "projects.project.approve", project, body=project.body, now=now,
                     data={"reason": project.decision_reason, "council": council})
        _record_version(project, actor=actor, summary=_("立项批准"), now=now)
        if council:
            from ..council_link import motion_ref, request_council_decision

            motion = request_council_decision(project, actor=actor, now=now)
            project.status = S.AWAITING_COUNCIL
            project.council_motion_ref = motion_ref(motion)
            project.save(update_fields=["status", "council_motion_ref", "updated_at"])
            tell(owner_users(project), "project_awaiting_council", project,
                         subject=notify.fmt(gettext_lazy("项目已通过办公室审核，待理事会决议：%(title)s"), title=project.title))
        else:
            _publish_notice(project, actor=actor, now=now)
    return project


def record_council_decision(project, *, passed, motion_ref, actor=None, now=None):
    """Apply the council's decision on a project awaiting it: passed → public notice; failed →
    rejected. Idempotent: a project no longer awaiting the council is returned unchanged."""
    now = now or timezone.now()
    with transaction.atomic():
        project = _lock(project)
        if project.status != S.AWAITING_COUNCIL:
            return project
        to = S.IN_NOTICE if passed else S.REJECTED
        PROJECT_FLOW.check(project, to=to, actor=None)  # the council decides, not a user
        project.council_motion_ref = str(motion_ref)[:100]
        audit.record(actor, "projects.project.council_decision", project, body=project.body, now=now,
                     data={"passed": bool(passed), "motion": project.council_motion_ref})
        if passed:
            _publish_notice(project, actor=actor, now=now)
        else:
            project.status = S.REJECTED
            project.decision_reason = _("理事会表决未通过（%(motion)s）。") % {"motion": project.council_motion_ref}
            project.save()
            tell(owner_users(project), "project_council_rejected", project,
                         subject=notify.fmt(gettext_lazy("项目未获理事会通过：%(title)s"), title=project.title))
    return project


def organisation_for(user, body, pk=None):
    qs = organisations_of(user, body)
    return qs.filter(pk=pk).first() if pk else qs.first()

