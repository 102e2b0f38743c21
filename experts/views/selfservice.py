"""Views: the expert's self-service — the dashboard (self-service home), contact data,
change reports, proposals, prior reports (报备) and training enrolment. Every page is for
the logged-in person's own memberships; another person's membership is a 404."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import workdays
from portal.pagination import paginate
from portal.permissions import has

from ..forms.activity import ChangeReportForm, ContactForm, PriorReportForm, ProposalForm
from ..models import Expert, ExpertProfile, Proposal, TrainingSession
from ..selectors import stats as selectors
from ..services import changes, proposals, reports, training

PAGE_SIZE = 25


def errors_to_form(form, exc):
    """Put a service's ValidationError (per-field or plain) or PermissionDenied on the form."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
    elif hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _own_membership(request, pk, *, active=True):
    expert = get_object_or_404(Expert.objects.select_related("body__policy", "profile"), pk=pk, user=request.user)
    if active and expert.status != Expert.Status.ACTIVE:
        raise Http404
    return expert


@login_required
def dashboard(request):
    ctx = selectors.dashboard(request.user)
    ctx["quarter_end_display"] = workdays.format_deadline(ctx["quarter_end"])
    return render(request, "experts/self/dashboard.html", ctx)


@login_required
def contact(request):
    profile = get_object_or_404(ExpertProfile, user=request.user)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            changed = changes.update_contact(profile, actor=request.user, **form.cleaned_data)
            messages.success(request, _("联系方式已更新。") if changed else _("联系方式没有变化。"))
            return redirect("experts:self-dashboard")
    else:
        form = ContactForm(initial={"phone": profile.phone, "email": profile.email, "address": profile.address})
    return render(request, "experts/self/form.html", {
        "form": form, "title": _("更新联系方式"),
        "intro": _("手机号码、电子邮箱和通讯地址可直接修改，修改记入审计日志。工作单位、职务、职称的变更须提交变更报告。")},
        status=400 if form.errors else 200)


@login_required
def change_new(request, pk):
    expert = _own_membership(request, pk)
    policy = expert.body.policy
    if request.method == "POST":
        form = ChangeReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = changes.file_change(expert, actor=request.user, kind=data["kind"], new_value=data["new_value"],
                                             effective_date=data["effective_date"], proof=data["proof"],
                                             note=data["note"], new_title_level=data["new_title_level"])
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                if report.is_late:
                    messages.warning(request, _("变更报告已提交，但已超过报告期限（%(due)s），将标记为逾期报告。") % {
                        "due": workdays.format_deadline(report.due_date)})
                else:
                    messages.success(request, _("变更报告已提交，待工作人员确认。"))
                return redirect("experts:self-dashboard")
    else:
        form = ChangeReportForm()
    return render(request, "experts/self/form.html", {
        "form": form, "title": _("报告信息变更"), "expert": expert,
        "intro": _("工作单位、职务或职称发生变化的，应在变更之日起 %(n)s 个工作日内报告并上传证明材料。") % {
            "n": policy.change_report_workdays}}, status=400 if form.errors else 200)


@login_required
def proposal_new(request, pk):
    expert = _own_membership(request, pk)
    if request.method == "POST":
        form = ProposalForm(request.POST, request.FILES, expert=expert)
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposals.submit_proposal(expert, actor=request.user, title=data["title"], text=data["text"],
                                          attachment=data["attachment"], co_authors=list(data["co_authors"]))
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("建议已提交。"))
                return redirect("experts:self-proposals")
    else:
        form = ProposalForm(expert=expert)
    year, quarter = proposals.quarter_of(timezone.localdate())
    return render(request, "experts/self/form.html", {
        "form": form, "title": _("提交工作建议"), "expert": expert,
        "intro": _("%(quarter)s：每位专家每季度须单独或联合提出 %(n)s 项以上工作设想及建议。") % {
            "quarter": proposals.quarter_label(year, quarter), "n": expert.body.policy.proposals_per_quarter}},
        status=400 if form.errors else 200)


@login_required
def my_proposals(request):
    qs = (Proposal.objects.filter(credits__expert__user=request.user).select_related("body")
          .prefetch_related("authors").distinct().order_by("-submitted_at", "-pk"))
    return render(request, "experts/self/proposals.html", paginate(request, qs, PAGE_SIZE))


@login_required
def proposal_attachment(request, pk):
    proposal = get_object_or_404(Proposal.objects.select_related("body"), pk=pk)
    is_author = proposal.credits.filter(expert__user=request.user).exists()
    if not proposal.attachment or not (is_author or has(request.user, "manage_experts", proposal.body)):
        raise Http404
    try:
        handle = proposal.attachment.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=proposal.attachment.name.rsplit("/", 1)[-1])


@login_required
def report_new(request, pk):
    expert = _own_membership(request, pk)
    if request.method == "POST":
        form = PriorReportForm(request.POST)
        if form.is_valid():
            try:
                reports.file_report(expert, actor=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("报备已提交，工作人员处理后会通知您。"))
                return redirect("experts:self-dashboard")
    else:
        form = PriorReportForm()
    return render(request, "experts/self/form.html", {
        "form": form, "title": _("对外活动报备"), "expert": expert,
        "intro": _("以委员会名义对外开展讲座、发表文章、提供咨询等活动前，须先行报备。")},
        status=400 if form.errors else 200)


@login_required
@require_POST
def training_enrol(request, pk):
    session = get_object_or_404(TrainingSession, pk=pk)
    expert = Expert.objects.filter(user=request.user, body_id=session.body_id, status=Expert.Status.ACTIVE).first()
    if expert is None:
        raise Http404
    try:
        training.enrol(session, expert, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已报名培训“%(topic)s”。") % {"topic": session.topic})
    return redirect("experts:self-dashboard")


urlpatterns = [
    path("experts/me/", dashboard, name="self-dashboard"),
    path("experts/me/contact/", contact, name="self-contact"),
    path("experts/me/proposals/", my_proposals, name="self-proposals"),
    path("experts/me/<int:pk>/changes/new/", change_new, name="self-change"),
    path("experts/me/<int:pk>/proposals/new/", proposal_new, name="self-proposal"),
    path("experts/me/<int:pk>/reports/new/", report_new, name="self-report"),
    path("experts/me/training/<int:pk>/enrol/", training_enrol, name="self-training-enrol"),
    path("experts/proposals/<int:pk>/attachment/", proposal_attachment, name="proposal-attachment"),
]
