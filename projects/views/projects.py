"""Views: the project hub and its actions (login required). A project page is visible to the
accounts of the applying unit and of partner units, to the body's staff and to assigned
reviewers; everyone else gets 404. Each action is a POST calling one service; a refused
action re-renders the page with the message on its form."""
import mimetypes
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import workdays
from portal.excel import xlsx_response
from portal.forms import put_service_errors
from portal.models import Body
from portal.pagination import paginate
from portal.permissions import bodies_for, has

from .. import forms as f
from .. import selectors
from ..models import (Adjustment, ClosingReview, JoinRequest, Organisation, Project, ProjectDocument,
                      ProjectObjection)
from ..services import project_application as app_services
from ..services import project_closing as closing_services
from ..services import project_implementation as impl_services
from ..services import project_notice as notice_services
from ..services import project_units as unit_services
from ..services.project_common import is_owner, organisations_of
from ..workflows import PROJECT_FLOW

S = Project.Status
PAGE_SIZE = 25
VERSION_LABELS = {
    "title": _("项目名称"), "field": _("领域"), "goals": _("项目目标"), "expected_outputs": _("预期成果"),
    "budget_sources": _("经费来源说明"), "starts_on": _("开始日期"), "ends_on": _("结束日期"),
    "lead_name": _("项目负责人"), "milestones": _("里程碑"), "team": _("项目团队"), "partners": _("合作单位"),
    "budget": _("经费预算"),
}
ACTION_LABELS = {
    "projects.project.create": _("创建项目草稿"), "projects.project.update": _("修改申报书"),
    "projects.document.add": _("上传文档"), "projects.project.submit": _("提交申报"),
    "projects.project.return": _("退回修改"), "projects.project.reject": _("不予立项"),
    "projects.project.approve": _("办公室同意立项"), "projects.project.council_decision": _("理事会决议"),
    "projects.notice.publish": _("发布立项公示"), "projects.join.request": _("申请加入"),
    "projects.join.answer": _("申报单位处理加入申请"), "projects.join.confirm": _("办公室确认加入"),
    "projects.objection.file": _("收到异议"), "projects.objection.accept": _("受理异议"),
    "projects.objection.decline": _("不予受理异议"), "projects.objection.decide": _("异议处理"),
    "projects.notice.close": _("公示期满，进入实施"), "projects.team.add": _("增加工作小组成员"),
    "projects.milestone.report": _("提交进展报告"), "projects.adjustment.request": _("申请调整"),
    "projects.adjustment.decide": _("调整审批"), "projects.termination.request": _("申请终止"),
    "projects.termination.decide": _("终止审批"), "projects.closing.submit": _("提交结题报告"),
    "projects.closing.assign": _("指定评审人"), "projects.closing.review": _("提交评审意见"),
    "projects.closing.decide": _("结题结论"), "projects.project.archive": _("归档"),
}
STAFF_PAGE_SIZE = 50


class Access:
    def __init__(self, user, project):
        self.owner = is_owner(project, user)
        self.partner = project.partners.filter(organisation__members=user).exists()
        self.staff = has(user, "manage_projects", project.body)
        self.approver = has(user, "approve", project.body)
        self.viewer = has(user, "view_staff_area", project.body)
        self.reviewer = ClosingReview.objects.filter(report__project=project, reviewer=user).exists()

    @property
    def any(self):
        return self.owner or self.partner or self.staff or self.approver or self.viewer or self.reviewer


def _load(request, pk):
    project = selectors.project_detail(pk)
    if project is None:
        raise Http404
    access = Access(request.user, project)
    if not access.any:
        raise Http404
    return project, access


@login_required
def my_projects(request):
    ctx = paginate(request, selectors.my_projects(request.user), PAGE_SIZE)
    bodies = [b for b in bodies_for(request.user, "take_part") if organisations_of(request.user, b).exists()]
    return render(request, "projects/my_projects.html", {
        **ctx, "projects": ctx["page_obj"].object_list, "bodies": bodies,
        "reviews": list(selectors.my_reviews(request.user))})


@login_required
@require_http_methods(["GET", "POST"])
def new_project(request, key):
    body = get_object_or_404(Body, key=key, is_active=True)
    orgs = organisations_of(request.user, body)
    if not orgs.exists():
        raise PermissionDenied(_("您不是本机构参与单位的账号，不能申报项目。"))
    form = f.NewProjectForm(request.POST or None, organisations=orgs)
    if request.method == "POST" and form.is_valid():
        try:
            project = app_services.create_project(form.cleaned_data["organisation"], actor=request.user,
                                                  title=form.cleaned_data["title"])
        except ValidationError as exc:
            put_service_errors(form, exc)
        else:
            return redirect("projects:edit", pk=project.pk)
    return render(request, "projects/new.html", {"form": form, "body": body})


@login_required
@require_http_methods(["GET", "POST"])
def edit_project(request, pk):
    project, access = _load(request, pk)
    if not access.owner:
        raise Http404
    if project.status not in app_services.EDITABLE:
        messages.info(request, _("该项目当前不能编辑。"))
        return redirect("projects:detail", pk=project.pk)
    form = f.ProjectForm(request.POST or None, initial=f.ProjectForm.initial_for(project))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            app_services.update_project(
                project, actor=request.user,
                values={k: d[k] for k in app_services.CONTENT_FIELDS if k in d},
                milestones=d["milestones"], team=d["team"], partners=d["partners"], budget=d["budget"])
        except ValidationError as exc:
            put_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/edit.html", {"form": form, "project": project, "body": project.body})


def _context(request, project, access, **bound):
    user = request.user
    now = timezone.now()
    report = project.closing_reports.all()[0] if project.closing_reports.all() else None
    my_review = None
    if report is not None:
        my_review = next((r for r in report.reviews.all() if r.reviewer_id == user.pk), None)
    join_orgs = organisations_of(user, project.body).exclude(pk=project.owner_org_id)
    staff_candidates = get_user_model().objects.none()
    draws = None
    if access.staff and report is not None:
        from experts.models import Draw
        from portal.permissions import users_with

        ids = [u.pk for u in users_with("view_staff_area", project.body)]
        if report.draw_id:
            from experts.models import Invitation

            ids += list(Invitation.objects.filter(draw_id=report.draw_id, status=Invitation.Status.ACCEPTED)
                        .values_list("expert__user_id", flat=True))
        staff_candidates = get_user_model().objects.filter(pk__in=ids).order_by("pk")
        draws = Draw.objects.filter(body=project.body).order_by("-pk")
    project._flow_owner = user if access.owner else None
    ctx = {
        "project": project, "body": project.body, "access": access, "now": now,
        "notice_open": notice_services.notice_is_open(project, now),
        "notice_ends_display": workdays.format_deadline(project.notice_ends_on) if project.notice_ends_on else "",
        "editable": access.owner and project.status in app_services.EDITABLE,
        "checklist": app_services.completeness_errors(project) if project.status in app_services.EDITABLE else [],
        "can_submit": PROJECT_FLOW.can(project, to=S.SUBMITTED, actor=user),
        "can_archive": PROJECT_FLOW.can(project, to=S.ARCHIVED, actor=user),
        "report": report, "my_review": my_review,
        "review_summary": closing_services.review_summary(report) if report else None,
        "min_reviewers": app_services.project_settings(project.body).closing_review_min_reviewers,
        "join_orgs": join_orgs,
        "forms": {
            "document": bound.get("document") or f.DocumentForm(),
            "review": bound.get("review") or f.ReviewDecisionForm(),
            "join": bound.get("join") or (f.JoinForm(organisations=join_orgs) if join_orgs else None),
            "team": bound.get("team") or f.TeamMemberForm(),
            "progress": bound.get("progress") or f.ProgressForm(project=project),
            "adjust": bound.get("adjust") or f.AdjustmentForm(),
            "decision": f.DecisionForm(),
            "terminate": bound.get("terminate") or f.ReasonForm(),
            "closing": bound.get("closing") or f.ClosingReportForm(),
            "reviewers": bound.get("reviewers") or (
                f.AssignReviewersForm(reviewers=staff_candidates, draws=draws) if draws is not None else None),
            "my_review": bound.get("my_review") or f.ReviewForm(),
            "closing_decision": bound.get("closing_decision") or f.ClosingDecisionForm(),
            "objection_decision": f.ObjectionDecisionForm(),
            "reason": f.OptionalReasonForm(),
        },
        "bound": bound,
        "versions": [{"v": v, "changes": [(VERSION_LABELS.get(k, k), c.get("before"), c.get("after"))
                                           for k, c in (v.changed or {}).items()]}
                     for v in project.versions.all()],
        "history": [{"at": e.created_at, "who": e.actor.name if e.actor else _("系统"),
                     "what": ACTION_LABELS.get(e.action, e.action), "reason": (e.data or {}).get("reason", "")}
                    for e in selectors.history(project)] if (access.staff or access.viewer or access.owner) else [],
    }
    return ctx


@login_required
def project_detail(request, pk):
    project, access = _load(request, pk)
    return render(request, "projects/detail.html", _context(request, project, access))


def _act(request, project, access, key, form, call, success):
    """Validate `form`, call the service; on refusal re-render the page with the message."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
            else:
                put_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("projects:detail", pk=project.pk)
    resp = render(request, "projects/detail.html", _context(request, project, access, **{key: form}))
    resp.status_code = 400
    return resp


def _simple(request, project, call, success):
    """A POST without a form (buttons): messages carry the refusal."""
    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        for message in (exc.messages if isinstance(exc, ValidationError) else [str(exc)]):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def upload_document(request, pk):
    project, access = _load(request, pk)
    form = f.DocumentForm(request.POST, request.FILES)
    kind = (ProjectDocument.Kind.APPLICATION if project.status in app_services.EDITABLE
            else ProjectDocument.Kind.IMPLEMENTATION)
    return _act(request, project, access, "document", form,
                lambda d: app_services.add_document(project, actor=request.user, title=d["title"], upload=d["file"],
                                                    kind=kind), _("文件已上传。"))


@login_required
def download_document(request, pk, doc_pk):
    project, _access = _load(request, pk)
    doc = get_object_or_404(ProjectDocument, pk=doc_pk, project=project)
    ext = Path(doc.file.name).suffix
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=f"{doc.title}{ext}",
                        content_type=mimetypes.types_map.get(ext, doc.content_type))


@login_required
@require_POST
def submit(request, pk):
    project, _access = _load(request, pk)
    return _simple(request, project, lambda: app_services.submit_project(project, actor=request.user),
                   _("项目已提交，请等待办公室审核。"))


@login_required
@require_POST
def review(request, pk):
    project, access = _load(request, pk)
    form = f.ReviewDecisionForm(request.POST)

    def call(d):
        verb = {"approve": app_services.approve_project, "return": app_services.return_project,
                "reject": app_services.reject_project}[d["decision"]]
        verb(project, actor=request.user, reason=d["reason"])
    return _act(request, project, access, "review", form, call, _("审核结论已保存。"))


@login_required
@require_POST
def join(request, pk):
    project, access = _load_public_or_member(request, pk)
    orgs = organisations_of(request.user, project.body).exclude(pk=project.owner_org_id)
    form = f.JoinForm(request.POST, organisations=orgs)
    if form.is_valid():
        try:
            notice_services.request_join(project, form.cleaned_data["organisation"], actor=request.user,
                                         role=form.cleaned_data["role"],
                                         contribution=form.cleaned_data["contribution"])
        except ValidationError as exc:
            put_service_errors(form, exc)
        else:
            messages.success(request, _("加入申请已提交，请等待申报单位处理。"))
            return redirect("projects:public-detail", pk=project.pk)
    from .public import public_detail_context

    resp = render(request, "projects/public/detail.html", public_detail_context(request, project, join_form=form))
    resp.status_code = 400
    return resp


def _load_public_or_member(request, pk):
    project = selectors.public_project(pk)
    if project is None:
        raise Http404
    return project, None


@login_required
@require_POST
def answer_join(request, jr_pk):
    jr = get_object_or_404(JoinRequest.objects.select_related("project"), pk=jr_pk)
    project, _access = _load(request, jr.project_id)
    accept = request.POST.get("accept") == "1"
    return _simple(request, project,
                   lambda: notice_services.answer_join(jr, actor=request.user, accept=accept,
                                                       reason=request.POST.get("reason", "")),
                   _("已同意该单位加入，等待办公室确认。") if accept else _("已谢绝该单位的加入申请。"))


@login_required
@require_POST
def confirm_join(request, jr_pk):
    jr = get_object_or_404(JoinRequest.objects.select_related("project"), pk=jr_pk)
    project, _access = _load(request, jr.project_id)
    confirm = request.POST.get("confirm") == "1"
    return _simple(request, project,
                   lambda: notice_services.confirm_join(jr, actor=request.user, confirm=confirm,
                                                        reason=request.POST.get("reason", "")),
                   _("已确认该单位加入项目。") if confirm else _("已不予确认。"))


@login_required
@require_POST
def handle_objection(request, objection_pk):
    """Accept an objection for investigation (the decision deadline starts) or decline it."""
    objection = get_object_or_404(ProjectObjection, pk=objection_pk)
    project, _access = _load(request, objection.project_id)
    reason = request.POST.get("reason", "")
    if request.POST.get("accept") == "1":
        return _simple(request, project,
                       lambda: notice_services.accept_objection(objection, actor=request.user, reason=reason),
                       _("已受理该异议，请在处理期限内作出结论。"))
    return _simple(request, project,
                   lambda: notice_services.decline_objection(objection, actor=request.user, reason=reason),
                   _("已不予受理该异议。"))


@login_required
@require_POST
def decide_objection(request, objection_pk):
    objection = get_object_or_404(ProjectObjection, pk=objection_pk)
    project, _access = _load(request, objection.project_id)
    form = f.ObjectionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结论并填写理由。"))
        return redirect("projects:detail", pk=project.pk)
    return _simple(request, project,
                   lambda: notice_services.decide_objection(objection, actor=request.user,
                                                            upheld=form.cleaned_data["upheld"],
                                                            reason=form.cleaned_data["reason"]),
                   _("异议处理结论已保存。"))


@login_required
@require_POST
def add_team_member(request, pk):
    project, access = _load(request, pk)
    form = f.TeamMemberForm(request.POST)
    return _act(request, project, access, "team", form,
                lambda d: impl_services.add_team_member(project, actor=request.user, **d), _("已加入工作小组。"))


@login_required
@require_POST
def file_progress(request, pk):
    project, access = _load(request, pk)
    form = f.ProgressForm(request.POST, project=project)
    return _act(request, project, access, "progress", form,
                lambda d: impl_services.file_progress_report(d["milestone"], actor=request.user, text=d["text"],
                                                             progress=d["progress"]), _("进展报告已提交。"))


@login_required
@require_POST
def request_adjustment(request, pk):
    project, access = _load(request, pk)
    form = f.AdjustmentForm(request.POST)
    return _act(request, project, access, "adjust", form,
                lambda d: impl_services.request_adjustment(project, actor=request.user, kind=d["kind"],
                                                           reason=d["reason"], changes=form.changes()),
                _("调整申请已提交，等待审批。"))


@login_required
@require_POST
def decide_adjustment(request, adj_pk):
    adj = get_object_or_404(Adjustment, pk=adj_pk)
    project, _access = _load(request, adj.project_id)
    form = f.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审批结论。"))
        return redirect("projects:detail", pk=project.pk)
    return _simple(request, project,
                   lambda: impl_services.decide_adjustment(adj, actor=request.user, approve=form.cleaned_data["approve"],
                                                           reason=form.cleaned_data["reason"]),
                   _("调整申请审批结论已保存。"))


@login_required
@require_POST
def request_termination(request, pk):
    project, access = _load(request, pk)
    form = f.ReasonForm(request.POST)
    return _act(request, project, access, "terminate", form,
                lambda d: impl_services.request_termination(project, actor=request.user, reason=d["reason"]),
                _("终止申请已提交，等待审批。"))


@login_required
@require_POST
def decide_termination(request, pk):
    project, _access = _load(request, pk)
    form = f.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审批结论。"))
        return redirect("projects:detail", pk=project.pk)
    return _simple(request, project,
                   lambda: impl_services.decide_termination(project, actor=request.user,
                                                            approve=form.cleaned_data["approve"],
                                                            reason=form.cleaned_data["reason"]),
                   _("终止申请审批结论已保存。"))


@login_required
@require_POST
def submit_closing(request, pk):
    project, access = _load(request, pk)
    form = f.ClosingReportForm(request.POST)
    return _act(request, project, access, "closing", form,
                lambda d: closing_services.submit_closing_report(project, actor=request.user, summary=d["summary"],
                                                                 outputs=d["outputs"]),
                _("结题报告已提交，等待评审。"))


@login_required
@require_POST
def assign_reviewers(request, pk):
    project, access = _load(request, pk)
    ctx = _context(request, project, access)
    form = f.AssignReviewersForm(request.POST, reviewers=ctx["forms"]["reviewers"].fields["reviewers"].queryset
                                 if ctx["forms"]["reviewers"] else get_user_model().objects.none(),
                                 draws=ctx["forms"]["reviewers"].fields["draw"].queryset
                                 if ctx["forms"]["reviewers"] else None)
    if ctx["report"] is None:
        raise Http404
    return _act(request, project, access, "reviewers", form,
                lambda d: closing_services.assign_reviewers(ctx["report"], actor=request.user,
                                                            reviewers=list(d["reviewers"]), draw=d["draw"]),
                _("评审人已指定。"))


@login_required
@require_POST
def submit_review(request, pk):
    project, access = _load(request, pk)
    review = ClosingReview.objects.filter(report__project=project, reviewer=request.user).order_by("-report__round").first()
    if review is None:
        raise Http404
    form = f.ReviewForm(request.POST)
    return _act(request, project, access, "my_review", form,
                lambda d: closing_services.submit_review(review, actor=request.user, score=d["score"],
                                                         comments=d["comments"]), _("评审意见已提交。"))


@login_required
@require_POST
def decide_closing(request, pk):
    project, access = _load(request, pk)
    form = f.ClosingDecisionForm(request.POST)
    return _act(request, project, access, "closing_decision", form,
                lambda d: closing_services.decide_closing(project, actor=request.user, outcome=d["outcome"],
                                                          reason=d["reason"]), _("结题结论已保存。"))


@login_required
def closing_pdf(request, pk):
    """The latest closing report with outputs, reviews and the decision, as a PDF (staff and the
    applying unit)."""
    project, access = _load(request, pk)
    if not (access.owner or access.staff or access.viewer):
        raise Http404
    report = project.closing_reports.all()[0] if project.closing_reports.all() else None
    if report is None:
        raise Http404
    from django.http import HttpResponse

    from portal.pdf import render_pdf

    pdf = render_pdf("projects/pdf/closing.html", {
        "project": project, "body": project.body, "report": report, "printed": timezone.localdate(),
        "reviews": [r for r in report.reviews.all() if r.submitted_at],
        "summary": closing_services.review_summary(report)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="closing-{project.pk}-{report.round}.pdf"'
    return response


@login_required
@require_POST
def archive(request, pk):
    project, _access = _load(request, pk)
    return _simple(request, project, lambda: closing_services.archive_project(project, actor=request.user),
                   _("项目已归档。"))


def _staff_body(request, key):
    body = get_object_or_404(Body, key=key, is_active=True)
    if not (has(request.user, "manage_projects", body) or has(request.user, "view_staff_area", body)):
        raise PermissionDenied
    return body


@login_required
def staff_list(request, key):
    body = _staff_body(request, key)
    form = f.ProjectFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.staff_projects(body, status=filters.get("status", ""), field=filters.get("field", ""),
                                  q=filters.get("q", ""))
    ctx = paginate(request, qs, STAFF_PAGE_SIZE)
    return render(request, "projects/staff_list.html", {
        **ctx, "projects": ctx["page_obj"].object_list, "body": body, "form": form})


@login_required
def staff_export(request, key):
    body = _staff_body(request, key)
    form = f.ProjectFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    headers = [_("项目编号"), _("项目名称"), _("领域"), _("状态"), _("申报单位"), _("项目负责人"), _("立项年度"),
               _("开始日期"), _("结束日期"), _("版本"), _("提交时间"), _("批准时间"), _("结题结论"), _("成果数"),
               _("合作单位数")]
    return xlsx_response(f"projects-{body.key}-{timezone.localdate():%Y%m%d}.xlsx", _("项目"), headers,
                         selectors.export_rows(body, status=filters.get("status", ""),
                                               field=filters.get("field", ""), q=filters.get("q", "")))


@login_required
@require_http_methods(["GET", "POST"])
def staff_units(request, key, unit_pk=None):
    """The body's participating units and their accounts (manage_projects)."""
    body = get_object_or_404(Body, key=key, is_active=True)
    if not has(request.user, "manage_projects", body):
        raise PermissionDenied
    units = Organisation.objects.filter(body=body).prefetch_related("members").order_by("name")
    unit = get_object_or_404(Organisation, pk=unit_pk, body=body) if unit_pk else None
    initial = ({"name": unit.name, "credit_code": unit.credit_code,
                "emails": "\n".join(u.email for u in unit.members.all())} if unit else None)
    form = f.OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit_services.save_organisation(body, actor=request.user, organisation=unit, **form.cleaned_data)
        except ValidationError as exc:
            put_service_errors(form, exc)
        else:
            messages.success(request, _("已保存单位“%(name)s”。") % {"name": form.cleaned_data["name"]})
            return redirect("projects:staff-units", key=body.key)
    return render(request, "projects/staff_units.html", {
        "body": body, "units": units, "unit": unit, "form": form}, status=400 if form.errors else 200)


urlpatterns = [
    path("", my_projects, name="mine"),
    path("new/<slug:key>/", new_project, name="new"),
    path("<int:pk>/", project_detail, name="detail"),
    path("<int:pk>/edit/", edit_project, name="edit"),
    path("<int:pk>/documents/", upload_document, name="document-upload"),
    path("<int:pk>/documents/<int:doc_pk>/", download_document, name="document-download"),
    path("<int:pk>/submit/", submit, name="submit"),
    path("<int:pk>/review/", review, name="review"),
    path("<int:pk>/join/", join, name="join"),
    path("join/<int:jr_pk>/answer/", answer_join, name="join-answer"),
    path("join/<int:jr_pk>/confirm/", confirm_join, name="join-confirm"),
    path("objections/<int:objection_pk>/handle/", handle_objection, name="objection-handle"),
    path("objections/<int:objection_pk>/decide/", decide_objection, name="objection-decide"),
    path("<int:pk>/team/", add_team_member, name="team-add"),
    path("<int:pk>/progress/", file_progress, name="progress"),
    path("<int:pk>/adjust/", request_adjustment, name="adjust"),
    path("adjustments/<int:adj_pk>/decide/", decide_adjustment, name="adjustment-decide"),
    path("<int:pk>/terminate/", request_termination, name="terminate"),
    path("<int:pk>/termination/decide/", decide_termination, name="termination-decide"),
    path("<int:pk>/closing/", submit_closing, name="closing"),
    path("<int:pk>/reviewers/", assign_reviewers, name="reviewers"),
    path("<int:pk>/my-review/", submit_review, name="my-review"),
    path("<int:pk>/closing/decide/", decide_closing, name="closing-decide"),
    path("<int:pk>/archive/", archive, name="archive"),
    path("<int:pk>/closing.pdf", closing_pdf, name="closing-pdf"),
    path("staff/<slug:key>/", staff_list, name="staff-list"),
    path("staff/<slug:key>/export.xlsx", staff_export, name="staff-export"),
    path("staff/<slug:key>/units/", staff_units, name="staff-units"),
    path("staff/<slug:key>/units/<int:unit_pk>/", staff_units, name="staff-unit-edit"),
]
