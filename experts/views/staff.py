"""Views: the secretariat's vetting queue and review page, and the approver's list
(see experts/urls.py). Staff only; every page is scoped to one body."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.excel import xlsx_response
from portal.forms import put_service_errors
from portal.models import Body
from portal.permissions import BodyPermissionMixin, has

from ..forms.staff import (AgeExemptionForm, BatchApproveForm, QueueFilterForm, ReasonForm, ReturnForm,
                           UnitVerificationForm)
from ..models import Application
from ..selectors import vetting as selectors
from ..services import vetting
from ..workflows import APPLICATION_FLOW
from portal.pagination import paginate

S = Application.Status
PAGE_SIZE = 25


class AnyBodyPermissionMixin(BodyPermissionMixin):
    """Like BodyPermissionMixin, but any one of `body_permissions` suffices."""

    body_permissions = ()

    def dispatch(self, request, *args, **kwargs):
        self.body = get_object_or_404(Body.objects.select_related("policy"), key=kwargs["key"], is_active=True)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not any(has(request.user, p, self.body) for p in self.body_permissions):
            raise PermissionDenied
        return super(BodyPermissionMixin, self).dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["body"] = self.body
        return ctx


def _filtered_queue(request, body):
    form = QueueFilterForm(request.GET or None, body=body)
    return form, selectors.queue(body, **form.filters())


# --------------------------------------------------------------------------- queue

class QueueView(AnyBodyPermissionMixin, TemplateView):
    body_permissions = ("manage_experts", "supervise")
    template_name = "experts/staff/queue.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form, qs = _filtered_queue(self.request, self.body)
        listing = paginate(self.request, qs, PAGE_SIZE)
        ctx.update({"form": form, "applications": listing["page_obj"].object_list,
                    "read_only": not has(self.request.user, "manage_experts", self.body), **listing})
        return ctx


class QueueExportView(AnyBodyPermissionMixin, View):
    body_permissions = ("manage_experts", "supervise")

    def get(self, request, *args, **kwargs):
        _form, qs = _filtered_queue(request, self.body)
        name = f"applications-{self.body.key}-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(name, _("入库申请"), [str(h) for h in selectors.EXPORT_HEADERS],
                             selectors.export_rows(qs))


# --------------------------------------------------------------------------- review

REVIEW_PERMISSIONS = ("manage_experts", "approve", "supervise")


class ReviewMixin(AnyBodyPermissionMixin):
    """Loads `self.application` of the URL's body (404 for another body's application)."""

    body_permissions = REVIEW_PERMISSIONS

    def load(self):
        try:
            self.application = selectors.application_for_review(self.body, self.kwargs["pk"])
        except Application.DoesNotExist as exc:
            raise Http404 from exc
        return self.application


class ReviewView(ReviewMixin, TemplateView):
    template_name = "experts/staff/review.html"
    bound_forms = {}
    failed_form = None  # the bound form of a refused decision

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def action_url(self, name):
        return reverse(f"experts:review-{name}", args=[self.body.key, self.application.pk])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        app, user, body = self.application, self.request.user, self.body
        targets = set(APPLICATION_FLOW.allowed_targets(app, user))
        manage = has(user, "manage_experts", body)
        can = {
            "verify": S.VERIFIED in targets,
            "return": S.RETURNED in targets,
            "reject": S.REJECTED in targets,
            "forward": S.FORWARDED in targets,
            "approve": S.APPROVED in targets,
            "send_back": S.SUBMITTED in targets and app.status == S.FORWARDED,
            "exempt": manage and app.status in vetting.EXEMPTION_STATES and vetting.age_limit_applies(body),
            "admit": S.ADMITTED in targets and not body.policy.notice_required_for_admission,
            "publish": S.IN_NOTICE in targets and body.policy.notice_required_for_admission,
        }
        bound = self.bound_forms
        reject_label = _("不予批准") if app.status == S.FORWARDED else _("不予通过")
        action_forms = {
            "verify": bound.get("verify") or UnitVerificationForm(action=self.action_url("verify")),
            "return": bound.get("return") or ReturnForm(action=self.action_url("return")),
            "reject": bound.get("reject") or ReasonForm(
                action=self.action_url("reject"), prefix="reject", submit_label=reject_label,
                reason_label=_("不予通过的理由")),
            "send_back": bound.get("send_back") or ReasonForm(
                action=self.action_url("send-back"), prefix="send_back", submit_label=_("退回秘书处"),
                css_class="btn-warning", reason_label=_("退回理由")),
            "exempt": bound.get("exempt") or AgeExemptionForm(
                action=self.action_url("exemption"), prefix="exempt", submit_label=_("登记年龄豁免"),
                css_class="btn-outline-primary"),
        }
        sections, from_profile = selectors.snapshot_sections(app)
        verification = vetting.unit_verification_of(app)
        ctx.update({
            "application": app, "profile": app.profile, "sections": sections, "from_profile": from_profile,
            "eligibility": selectors.eligibility_rows(app), "attachments": list(app.attachments.all()),
            "verification": verification, "unit_verified": vetting.is_unit_verified(app),
            "history": selectors.history(app), "can": can, "forms": action_forms,
            # refusals of the buttons without fields (forward, approve, admit) are shown above the actions
            "action_errors": (self.failed_form.non_field_errors()
                              if self.failed_form is not None and not self.failed_form.fields else []),
            "any_action": any(can.values()),
            "return_comments": [(vetting.SECTION_LABELS.get(s, s), c) for s, c in (app.return_comments or {}).items()],
        })
        return ctx


class UnitLetterView(ReviewMixin, View):
    """The unit's letter is private: served only to this body's staff."""

    def get(self, request, *args, **kwargs):
        verification = vetting.unit_verification_of(self.load())
        if verification is None or not verification.letter:
            raise Http404
        letter = verification.letter
        return FileResponse(letter.open("rb"), as_attachment=True,
                            filename=f"unit-letter-{self.application.pk}{_suffix(letter.name)}")


def _suffix(name):
    from pathlib import Path

    return Path(name).suffix.lower()


class ActionView(ReviewView):
    """POST of one decision form. Subclasses define `get_form()` (the bound form) and
    `perform(form)` (the service call). Valid input calls the service; refused input re-renders
    the review page with the messages on the form (nothing changed)."""

    http_method_names = ["post"]
    form_key = None
    success_message = ""

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.get_form()
        if form.is_valid():
            try:
                self.perform(form)
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.success_url())
        self.bound_forms = {self.form_key: form}
        self.failed_form = form
        return self.render_to_response(self.get_context_data(), status=400)

    def success_url(self):
        return reverse("experts:review", args=[self.body.key, self.application.pk])


class VerifyView(ActionView):
    body_permissions = ("manage_experts",)
    form_key = "verify"

    def get_form(self):
        return UnitVerificationForm(self.request.POST, self.request.FILES, action=self.action_url("verify"))

    def perform(self, form):
        d = form.cleaned_data
        vetting.record_unit_verification(self.application, actor=self.request.user, unit_name=d["unit_name"],
                                         verifier_name=d["verifier_name"], method=d["method"],
                                         letter=d.get("letter"), notes=d.get("notes", ""))
        self.success_message = _("已登记单位核实。")


class ReturnView(ActionView):
    body_permissions = ("manage_experts",)
    form_key = "return"

    def get_form(self):
        return ReturnForm(self.request.POST, action=self.action_url("return"))

    def perform(self, form):
        vetting.return_for_fixes(self.application, actor=self.request.user, comments=form.comments())
        self.success_message = _("已退回申请人修改。")


class RejectView(ActionView):
    body_permissions = ("manage_experts", "approve")
    form_key = "reject"

    def get_form(self):
        return ReasonForm(self.request.POST, action=self.action_url("reject"), prefix="reject")

    def perform(self, form):
        was_forwarded = self.application.status == S.FORWARDED
        vetting.reject(self.application, actor=self.request.user, reason=form.cleaned_data["reason"])
        self.success_message = _("已作出不予通过的决定，并通知申请人。")
        self.to_approvals = was_forwarded

    def success_url(self):
        if getattr(self, "to_approvals", False):
            return reverse("experts:approvals", args=[self.body.key])
        return super().success_url()


class ForwardView(ActionView):
    body_permissions = ("manage_experts",)
    form_key = "forward"

    def get_form(self):
        return Form(self.request.POST)

    def perform(self, form):
        vetting.forward(self.application, actor=self.request.user)
        self.success_message = _("已提交审批。")


class ExemptionView(ActionView):
    body_permissions = ("manage_experts",)
    form_key = "exempt"

    def get_form(self):
        return AgeExemptionForm(self.request.POST, action=self.action_url("exemption"), prefix="exempt")

    def perform(self, form):
        vetting.grant_age_exemption(self.application, actor=self.request.user, reason=form.cleaned_data["reason"])
        self.success_message = _("已登记年龄豁免；申请人（重新）提交时按豁免审查年龄条件。")


class ApproveView(ActionView):
    body_permissions = ("approve",)
    form_key = "approve"

    def get_form(self):
        return Form(self.request.POST)

    def perform(self, form):
        vetting.approve(self.application, actor=self.request.user)
        self.success_message = _("已批准%(name)s的入库申请。") % {"name": self.application.profile.name}


class SendBackView(ActionView):
    body_permissions = ("approve",)
    form_key = "send_back"

    def get_form(self):
        return ReasonForm(self.request.POST, action=self.action_url("send-back"), prefix="send_back")

    def perform(self, form):
        vetting.send_back(self.application, actor=self.request.user, reason=form.cleaned_data["reason"])
        self.success_message = _("已退回秘书处重新审核。")

    def success_url(self):
        return reverse("experts:approvals", args=[self.body.key])


class AdmitView(ActionView):
    """Bodies whose policy needs no public notice admit an approved applicant directly."""

    body_permissions = ("manage_experts",)
    form_key = "admit"

    def get_form(self):
        return Form(self.request.POST)

    def perform(self, form):
        from ..services.admission import admit  # part D; imported lazily

        expert = admit(self.application, actor=self.request.user)
        self.success_message = _("已入库，证书编号 %(no)s。") % {"no": expert.certificate_no}


# --------------------------------------------------------------------------- approver

class ApprovalsView(AnyBodyPermissionMixin, TemplateView):
    body_permissions = ("approve",)
    template_name = "experts/staff/approvals.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(selectors.approvals(self.body), PAGE_SIZE).get_page(self.request.GET.get("page"))
        ctx.update({"page_obj": page, "applications": page.object_list,
                    "form": kwargs.get("form") or BatchApproveForm(body=self.body)})
        return ctx

    def post(self, request, *args, **kwargs):
        form = BatchApproveForm(request.POST, body=self.body)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        result = vetting.approve_many(form.cleaned_data["applications"].order_by("pk"), actor=request.user)
        if result:
            messages.success(request, _("已批准 %(n)s 人") % {"n": len(result)})
        for app, message in result.failed:
            messages.error(request, _("%(name)s 未能批准：%(message)s") % {"name": app.profile.name,
                                                                          "message": message})
        return redirect("experts:approvals", key=self.body.key)


APP = "bodies/<slug:key>/applications/<int:pk>/"

urlpatterns = [
    path("bodies/<slug:key>/applications/", QueueView.as_view(), name="queue"),
    path("bodies/<slug:key>/applications/export.xlsx", QueueExportView.as_view(), name="queue-export"),
    path(APP, ReviewView.as_view(), name="review"),
    path(APP + "verify/", VerifyView.as_view(), name="review-verify"),
    path(APP + "return/", ReturnView.as_view(), name="review-return"),
    path(APP + "reject/", RejectView.as_view(), name="review-reject"),
    path(APP + "forward/", ForwardView.as_view(), name="review-forward"),
    path(APP + "age-exemption/", ExemptionView.as_view(), name="review-exemption"),
    path(APP + "approve/", ApproveView.as_view(), name="review-approve"),
    path(APP + "send-back/", SendBackView.as_view(), name="review-send-back"),
    path(APP + "admit/", AdmitView.as_view(), name="review-admit"),
    path(APP + "unit-letter/", UnitLetterView.as_view(), name="review-unit-letter"),
    path("bodies/<slug:key>/approvals/", ApprovalsView.as_view(), name="approvals"),
]
