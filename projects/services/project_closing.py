"""Closing a project: the closing report with outputs, the reviewers' scores, the office's
decision, and the archive (read-only afterwards).

    submit_closing_report(project, actor=owner, summary=…, outputs=[(kind, title, reference, published)])
    assign_reviewers(report, actor=staff, reviewers=[user, …], draw=None)
    submit_review(review, actor=reviewer, score=…, comments=…)
    decide_closing(project, actor=staff, outcome="accepted"|"revision"|"failed", reason=…)
    archive_project(project, actor=staff)
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import has

from ..models import Announcement, ClosingReport, ClosingReview, Output, OutputKind, Project
from ..workflows import PROJECT_FLOW
from .project_application import _lock
from .project_common import (ProjectError, as_owner, office_users, owner_users, project_settings, refuse_archived,
                             require_staff, tell)

S = Project.Status
O = Project.Outcome


def submit_closing_report(project, *, actor, summary, outputs, now=None):
    now = now or timezone.now()
    summary = (summary or "").strip()
    if not summary:
        raise ProjectError({"summary": [_("请填写结题报告。")]})
    clean = []
    for kind, title, reference, published in outputs:
        if kind not in OutputKind.values:
            raise ProjectError({"outputs": [_("成果类型无效：%(kind)s") % {"kind": kind}]})
        if (title or "").strip():
            clean.append((kind, title.strip()[:200], (reference or "").strip()[:100], bool(published)))
    with transaction.atomic():
        project = as_owner(_lock(project), actor)
        refuse_archived(project)
        PROJECT_FLOW.check(project, to=S.CLOSING, actor=actor)
        last = project.closing_reports.order_by("-round").first()
        report = ClosingReport.objects.create(project=project, round=(last.round + 1) if last else 1, summary=summary,
                                              submitted_by=actor, submitted_at=now)
        project.outputs.all().delete()
        Output.objects.bulk_create([Output(project=project, kind=k, title=t, reference=r, published=p)
                                    for k, t, r, p in clean])
        project.status = S.CLOSING
        project.closing_outcome = ""
        project.save()
        audit.record(actor, "projects.closing.submit", report, body=project.body, now=now,
                     data={"project": project.pk, "round": report.round, "outputs": len(clean)})
        tell(office_users(project), "project_closing", project,
                     subject=notify.fmt(gettext_lazy("项目结题报告待评审：%(title)s"), title=project.title))
    return report


def eligible_reviewer(report, user):
    """Staff of the body, or an expert who accepted the linked draw's invitation."""
    if has(user, "view_staff_area", report.project.body) and not user.is_superuser:
        return True
    if report.draw_id:
        from experts.models import Invitation

        return Invitation.objects.filter(draw_id=report.draw_id, status=Invitation.Status.ACCEPTED,
                                         expert__user=user).exists()
    return False


def assign_reviewers(report, *, actor, reviewers, draw=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        report = ClosingReport.objects.select_for_update(of=("self",)).select_related("project__body").get(pk=report.pk)
        project = report.project
        refuse_archived(project)
        require_staff(project, actor)
        if project.status != S.CLOSING:
            raise ProjectError(_("只有结题评审中的项目可以指定评审人。"))
        if draw is not None:
            if draw.body_id != project.body_id:
                raise ProjectError({"draw": [_("所选抽取不属于本机构。")]})
            report.draw = draw
            report.save(update_fields=["draw"])
        bad = [u for u in reviewers if not eligible_reviewer(report, u)]
        if bad:
            raise ProjectError({"reviewers": [_("以下人员不能担任评审人（须为本机构工作人员或抽取中已接受邀请的专家）：%(n)s")
                                              % {"n": "、".join(u.name for u in bad)}]})
        created = []
        for user in reviewers:
            review, was_created = ClosingReview.objects.get_or_create(report=report, reviewer=user)
            if was_created:
                created.append(review)
        audit.record(actor, "projects.closing.assign", report, body=project.body, now=now,
                     data={"project": project.pk, "reviewers": [u.pk for u in reviewers],
                           "draw": draw.pk if draw else None})
        tell([r.reviewer for r in created], "project_review", project,
                     subject=notify.fmt(gettext_lazy("请评审项目结题报告：%(title)s"), title=project.title))
    return created


def submit_review(review, *, actor, score, comments, now=None):
    now = now or timezone.now()
    errors = {}
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = None
    if score is None or not 0 <= score <= 100:
        errors["score"] = [_("评分应为 0 到 100 之间的整数。")]
    if not (comments or "").strip():
        errors["comments"] = [_("请填写评审意见。")]
    if errors:
        raise ProjectError(errors)
    with transaction.atomic():
        review = ClosingReview.objects.select_for_update(of=("self",)).select_related(
            "report__project__body").get(pk=review.pk)
        project = review.report.project
        refuse_archived(project)
        if actor is not None and actor.pk != review.reviewer_id:
            raise PermissionDenied(_("只有被指定的评审人可以提交评审意见。"))
        if project.status != S.CLOSING:
            raise ProjectError(_("该项目不在结题评审中。"))
        review.score, review.comments, review.submitted_at = score, comments.strip(), now
        review.save()
        audit.record(actor, "projects.closing.review", review, body=project.body, now=now, data={"project": project.pk, "score": score})
    return review


def review_summary(report):
    """Submitted reviews, their average, and whether it reaches the body's pass score (advice
    for the office's decision, which stays the office's)."""
    reviews = [r for r in report.reviews.all() if r.submitted_at]
    scores = [r.score for r in reviews]
    average = round(sum(scores) / len(scores), 1) if scores else None
    pass_score = project_settings(report.project.body).closing_pass_score
    return {"count": len(reviews), "average": average, "pass_score": pass_score,
            "passes": average is not None and average >= pass_score}


def decide_closing(project, *, actor, outcome, reason, now=None):
    now = now or timezone.now()
    reason = (reason or "").strip()
    targets = {O.ACCEPTED: S.CLOSED, O.REVISION: S.REVISION, O.FAILED: S.FAILED}
    if outcome not in targets:
        raise ProjectError({"outcome": [_("请选择结题结论。")]})
    if not reason:
        raise ProjectError({"reason": [_("请填写结题意见。")]})
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        PROJECT_FLOW.check(project, to=targets[outcome], actor=actor)
        report = project.closing_reports.order_by("-round").first()
        needed = project_settings(project.body).closing_review_min_reviewers
        done = report.reviews.filter(submitted_at__isnull=False).count() if report else 0
        if done < needed:
            raise ProjectError(_("已完成评审 %(done)s 人，至少需要 %(needed)s 人评审后才能作出结题结论。")
                               % {"done": done, "needed": needed})
        project.status = targets[outcome]
        project.closing_outcome = outcome
        project.closing_reason = reason
        if outcome != O.REVISION:
            project.finished_at = now
        project.save()
        if outcome == O.ACCEPTED:
            Announcement.objects.create(
                project=project, kind=Announcement.Kind.CLOSING, published_at=now,
                title=_("项目结题公告：%(title)s") % {"title": project.title},
                text=_("“%(title)s”（%(number)s，申报单位：%(org)s）已通过结题评审。") % {
                    "title": project.title, "number": project.number, "org": project.owner_org.name})
        audit.record(actor, "projects.closing.decide", project, body=project.body, now=now,
                     data={"outcome": outcome, "reason": reason, "reviews": done,
                           "summary": review_summary(report) if report else None})
        tell(owner_users(project), "project_closing_decided", project,
                     subject=notify.fmt(gettext_lazy("结题结论：%(title)s —— %(outcome)s"), title=project.title,
                                        outcome=O(outcome).label), text=reason)
    return project


def archive_project(project, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        project = _lock(project)
        refuse_archived(project)
        PROJECT_FLOW.check(project, to=S.ARCHIVED, actor=actor)
        previous = project.status
        project.status = S.ARCHIVED
        project.archived_at = now
        project.save()
        audit.record(actor, "projects.project.archive", project, body=project.body, now=now,
                     data={"from": previous, "version": project.version})
    return project
