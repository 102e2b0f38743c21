"""Views: the exit process (出库). Staff (manage_experts / approve; supervisors read): the exit
queue, a case with its evidence and the next actions, reporting a violation, the written notice
PDF. The expert: requesting a voluntary exit, reading their case, responding during the
verification period, downloading the written notice. The public exit announcement is an
ordinary closed notice (kind "exit") on /notices/ with public fields only."""
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal import workdays
from portal.forms import put_service_errors
from portal.pagination import paginate
from portal.permissions import has

from ..forms.exits import (ConfirmForm, DecideForm, ExitFilterForm, FindingsForm, ResponseForm, StatementForm,
                           ViolationForm)
from ..models import ExitCase, Expert
from ..selectors import exits as selectors
from ..services import exits as services
from ..services.common import pool_settings
from ..workflows import EXIT_FLOW
from .admission import PoolAccessMixin, can_read_pool

PAGE_SIZE = 50
X = ExitCase.Status


def respond_by_display(case):
    if not case.respond_by:
        return ""
    return workdays.format_deadline(timezone.localtime(case.respond_by).date() - timedelta(days=1))


# ---------------------------------------------------------------------------
# staff


class ExitListView(PoolAccessMixin, TemplateView):
    template_name = "experts/exits/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ExitFilterForm(self.request.GET or None)
        status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else selectors.STATUS_OPEN
        ctx.update(paginate(self.request, selectors.exit_cases(self.body, status=status or selectors.STATUS_OPEN),
                            PAGE_SIZE))
        ctx.update({"body": self.body, "form": form, "cases": ctx["page_obj"].object_list})
        return ctx


class CaseMixin(PoolAccessMixin):
    def load(self):
        self.case = selectors.exit_case(self.body, self.kwargs["pk"])
        if self.case is None:
            raise Http404
        return self.case


class ExitDetailView(CaseMixin, TemplateView):
    template_name = "experts/exits/detail.html"
    bound = None

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case, user, now = self.case, self.request.user, timezone.now()
        targets = set(EXIT_FLOW.allowed_targets(case, user))
        forms = {
            "verify": FindingsForm() if X.VERIFYING in targets else None,
            "decide": (DecideForm(body=self.body, initial={"reason": case.reason_id},
                                  keep_only=case.status == X.PROPOSED)
                       if targets & {X.DECIDED, X.KEPT} and case.status != X.REQUESTED else None),
            "confirm": ConfirmForm() if case.status == X.REQUESTED and X.DECIDED in targets else None,
            "issue": X.EXITED in targets,
        }
        forms.update(self.bound or {})
        ctx.update({
            "body": self.body, "case": case, "expert": case.expert, "forms": forms,
            "triggers": list(case.triggers.all()), "respond_by_display": respond_by_display(case),
            "response_open": services.response_open(case, now), "can_decide_now": services.can_decide(case, now),
            "can_manage": has(user, "manage_experts", self.body),
            "response_workdays": pool_settings(self.body).exit_response_workdays,
        })
        return ctx


class ExitActionView(ExitDetailView):
    http_method_names = ["post"]
    action = None

    def post(self, request, *args, **kwargs):
        case = self.load()
        user = request.user
        if self.action == "verify":
            form = FindingsForm(request.POST)
            call = lambda d: services.start_verification(case, actor=user, findings=d["findings"])  # noqa: E731
            done = _("已登记核实情况并告知专家本人。")
        elif self.action == "decide":
            form = DecideForm(request.POST, body=self.body, keep_only=case.status == X.PROPOSED)
            call = lambda d: services.decide(case, actor=user, leave=d["decision"] == "exit",  # noqa: E731
                                             reason=d.get("reason"), decision_reason=d["decision_reason"])
            done = _("已作出决定。")
        elif self.action == "confirm":
            form = ConfirmForm(request.POST)
            call = lambda d: services.confirm_voluntary(case, actor=user,  # noqa: E731
                                                        decision_reason=d.get("decision_reason", ""))
            done = _("已确认本人退出申请。")
        else:  # issue
            form = ConfirmForm(request.POST)
            call = lambda d: services.issue_exit(case, actor=user)  # noqa: E731
            done = _("已书面告知专家并发布出库公告。")
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except PermissionDenied:
                raise
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("experts:exit-detail", self.body.key, case.pk)
        self.bound = {self.action: form}
        self.case = selectors.exit_case(self.body, case.pk)
        return self.render_to_response(self.get_context_data(), status=400)


class ViolationView(PoolAccessMixin, View):
    """Staff report a violation of an active member, with optional evidence (PDF/JPG/PNG)."""

    template_name = "experts/exits/violation.html"

    def setup_expert(self):
        if not has(self.request.user, "manage_experts", self.body):
            raise PermissionDenied
        self.expert = get_object_or_404(Expert.objects.select_related("profile"), body=self.body, pk=self.kwargs["pk"])

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, {"body": self.body, "expert": self.expert, "form": form},
                      status=status)

    def get(self, request, *args, **kwargs):
        self.setup_expert()
        return self.render_form(ViolationForm(body=self.body))

    def post(self, request, *args, **kwargs):
        self.setup_expert()
        form = ViolationForm(request.POST, request.FILES, body=self.body)
        if form.is_valid():
            try:
                case = services.report_violation(self.expert, actor=request.user, reason=form.cleaned_data["reason"],
                                                 summary=form.cleaned_data["summary"],
                                                 evidence_file=form.cleaned_data.get("evidence"))
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("已登记违规报告，并生成出库建议。"))
                return redirect("experts:exit-detail", self.body.key, case.pk)
        return self.render_form(form, status=400)


class EvidenceView(CaseMixin, View):
    def get(self, request, *args, **kwargs):
        case = self.load()
        if not case.evidence_file:
            raise Http404
        from pathlib import Path

        return FileResponse(case.evidence_file.open("rb"), as_attachment=True,
                            filename=f"exit-evidence-{case.pk}{Path(case.evidence_file.name).suffix.lower()}")


@login_required
def letter_download(request, pk):
    """The written notice of exit: the expert concerned and the body's staff."""
    case = get_object_or_404(ExitCase.objects.select_related("body", "expert"), pk=pk)
    if case.expert.user_id != request.user.pk and not can_read_pool(request.user, case.body):
        raise Http404
    if not case.letter_no:
        raise Http404
    response = HttpResponse(services.letter_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"exit-notice-{case.letter_no}.pdf")
    return response


# ---------------------------------------------------------------------------
# the expert


def _own_expert(request, pk):
    return get_object_or_404(Expert.objects.select_related("body"), pk=pk, user=request.user)


@login_required
def exit_request(request, pk):
    expert = _own_expert(request, pk)
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.request_voluntary_exit(expert, actor=request.user, statement=form.cleaned_data["statement"])
        except ValidationError as exc:
            put_service_errors(form, exc)
        else:
            messages.success(request, _("已提交退出申请，待工作人员确认。"))
            return redirect("experts:my-exit", case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "experts/exits/request.html", {"expert": expert, "body": expert.body, "form": form},
                  status=status)


@login_required
def my_exit(request, pk):
    case = get_object_or_404(ExitCase.objects.select_related("body", "expert", "reason"), pk=pk,
                             expert__user=request.user)
    form = ResponseForm(request.POST or None, initial={"response": case.response})
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            try:
                services.withdraw_request(case, actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("已撤回退出申请。"))
            return redirect("experts:my-exit", case.pk)
        if form.is_valid():
            try:
                services.respond(case, actor=request.user, response=form.cleaned_data["response"])
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("已提交陈述意见。"))
                return redirect("experts:my-exit", case.pk)
    return render(request, "experts/exits/mine.html", {
        "case": case, "body": case.body, "form": form, "response_open": services.response_open(case),
        "respond_by_display": respond_by_display(case),
        "can_withdraw": EXIT_FLOW.can(case, to=X.WITHDRAWN, actor=request.user),
    }, status=400 if request.method == "POST" else 200)


urlpatterns = [
    path("bodies/<slug:key>/exits/", ExitListView.as_view(), name="exit-list"),
    path("bodies/<slug:key>/exits/<int:pk>/", ExitDetailView.as_view(), name="exit-detail"),
    path("bodies/<slug:key>/exits/<int:pk>/verify/", ExitActionView.as_view(action="verify"), name="exit-verify"),
    path("bodies/<slug:key>/exits/<int:pk>/decide/", ExitActionView.as_view(action="decide"), name="exit-decide"),
    path("bodies/<slug:key>/exits/<int:pk>/confirm/", ExitActionView.as_view(action="confirm"), name="exit-confirm"),
    path("bodies/<slug:key>/exits/<int:pk>/issue/", ExitActionView.as_view(action="issue"), name="exit-issue"),
    path("bodies/<slug:key>/exits/<int:pk>/evidence/", EvidenceView.as_view(), name="exit-evidence"),
    path("bodies/<slug:key>/pool/<int:pk>/violation/", ViolationView.as_view(), name="exit-violation"),
    path("experts/exits/<int:pk>/", my_exit, name="my-exit"),
    path("experts/exits/<int:pk>/letter.pdf", letter_download, name="exit-letter"),
    path("experts/memberships/<int:pk>/exit/", exit_request, name="exit-request"),
]
