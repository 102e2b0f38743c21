"""Views: terms, renewals and enrolment windows. The expert: their membership page (term,
reminders, renewal, exit request). Staff: the renewal queue and a renewal's actions, starting a
renewal for an expert, opening enrolment windows. Public: the enrolment announcements."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.forms import put_service_errors
from portal.pagination import paginate
from portal.permissions import has

from ..forms.exits import NoteForm, RejectForm, RenewalFilterForm, RenewalForm, WindowForm
from ..models import Call, ExitCase, Expert, Renewal
from ..selectors import exits as selectors
from ..services import terms as services
from ..services.admission import format_term
from ..workflows import RENEWAL_FLOW
from .admission import PoolAccessMixin

PAGE_SIZE = 50
N = Renewal.Status


# ---------------------------------------------------------------------------
# the expert


@login_required
def my_membership(request, pk):
    expert = get_object_or_404(Expert.objects.select_related("body__policy"), pk=pk, user=request.user)
    renewals = list(Renewal.objects.filter(expert=expert).order_by("-filed_at", "-pk")[:10])
    open_renewal = next((r for r in renewals if r.status in Renewal.OPEN_STATUSES), None)
    cases = list(ExitCase.objects.filter(expert=expert).select_related("reason").order_by("-opened_at")[:10])
    open_case = next((c for c in cases if c.is_open), None)
    form = RenewalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.file_renewal(expert, actor=request.user, statement=form.cleaned_data["statement"])
        except ValidationError as exc:
            put_service_errors(form, exc)
        else:
            messages.success(request, _("已提交续聘申请。"))
            return redirect("experts:my-membership", expert.pk)
    today = timezone.localdate()
    return render(request, "experts/terms/membership.html", {
        "expert": expert, "body": expert.body, "term": format_term(expert), "days_left": (expert.term_end - today).days,
        "renewals": renewals, "open_renewal": open_renewal, "cases": cases, "open_case": open_case, "form": form,
        "can_renew": expert.status == Expert.Status.ACTIVE and open_renewal is None,
        "can_request_exit": expert.status == Expert.Status.ACTIVE and open_case is None,
    }, status=400 if request.method == "POST" else 200)


@login_required
def withdraw_renewal(request, pk):
    renewal = get_object_or_404(Renewal, pk=pk, expert__user=request.user)
    if request.method != "POST":
        raise Http404
    try:
        services.withdraw_renewal(renewal, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤回续聘申请。"))
    return redirect("experts:my-membership", renewal.expert_id)


# ---------------------------------------------------------------------------
# staff: renewals


class RenewalListView(PoolAccessMixin, TemplateView):
    template_name = "experts/terms/renewal_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = RenewalFilterForm(self.request.GET or None)
        status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else selectors.STATUS_OPEN
        ctx.update(paginate(self.request, selectors.renewals(self.body, status=status or selectors.STATUS_OPEN),
                            PAGE_SIZE))
        ctx.update({"body": self.body, "form": form, "renewals": ctx["page_obj"].object_list})
        return ctx


class RenewalDetailView(PoolAccessMixin, TemplateView):
    template_name = "experts/terms/renewal_detail.html"
    bound = None

    def load(self):
        self.renewal = selectors.renewal(self.body, self.kwargs["pk"])
        if self.renewal is None:
            raise Http404
        return self.renewal

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r, user = self.renewal, self.request.user
        targets = set(RENEWAL_FLOW.allowed_targets(r, user))
        forms = {
            "forward": NoteForm(prefix="forward") if N.FORWARDED in targets and r.eligible else None,
            "approve": NoteForm(prefix="approve") if N.APPROVED in targets else None,
            "reject": RejectForm(prefix="reject") if N.REJECTED in targets else None,
            "notice": N.IN_NOTICE in targets,
        }
        forms.update(self.bound or {})
        ctx.update({"body": self.body, "renewal": r, "expert": r.expert, "forms": forms,
                    "skips_notice": self.body.policy.renewal_skips_notice})
        return ctx


class RenewalActionView(RenewalDetailView):
    http_method_names = ["post"]
    action = None

    def post(self, request, *args, **kwargs):
        r = self.load()
        user = request.user
        if self.action == "forward":
            form = NoteForm(request.POST, prefix="forward")
            call = lambda d: services.forward_renewal(r, actor=user, note=d.get("note", ""))  # noqa: E731
            done = _("已报送审批。")
        elif self.action == "approve":
            form = NoteForm(request.POST, prefix="approve")
            call = lambda d: services.approve_renewal(r, actor=user, reason=d.get("note", ""))  # noqa: E731
            done = _("已批准续聘。")
        elif self.action == "reject":
            form = RejectForm(request.POST, prefix="reject")
            call = lambda d: services.reject_renewal(r, actor=user, reason=d["reason"])  # noqa: E731
            done = _("已作出不予续聘的决定。")
        else:
            form = NoteForm(request.POST, prefix="notice")
            call = lambda d: services.publish_renewal_notice(r, actor=user)  # noqa: E731
            done = _("已发布续聘公示。")
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("experts:renewal-detail", self.body.key, r.pk)
        self.bound = {self.action: form}
        self.renewal = selectors.renewal(self.body, r.pk)
        return self.render_to_response(self.get_context_data(), status=400)


class StaffRenewalView(PoolAccessMixin, View):
    """Staff start a renewal for an expert (POST from the expert's page)."""

    def post(self, request, *args, **kwargs):
        if not has(request.user, "manage_experts", self.body):
            raise PermissionDenied
        expert = get_object_or_404(Expert, body=self.body, pk=kwargs["pk"])
        try:
            renewal = services.file_renewal(expert, actor=request.user,
                                            statement=_("工作人员代为发起续聘。"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("experts:expert-detail", self.body.key, expert.pk)
        messages.success(request, _("已发起续聘，资格复核结果见下。"))
        return redirect("experts:renewal-detail", self.body.key, renewal.pk)


# ---------------------------------------------------------------------------
# enrolment windows


class EnrolmentView(PoolAccessMixin, TemplateView):
    """Staff: the body's enrolment windows and a form to open the next one."""

    template_name = "experts/terms/enrolment.html"
    form = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        calls = list(Call.objects.filter(body=self.body).order_by("-opens_at", "-created_at")[:50])
        for c in calls:
            c.open_now = c.is_open(now)
        ctx.update({"body": self.body, "calls": calls, "form": self.form or WindowForm(),
                    "annual": self.body.policy.annual_enrolment,
                    "can_manage": has(self.request.user, "manage_experts", self.body)})
        return ctx

    def post(self, request, *args, **kwargs):
        if not has(request.user, "manage_experts", self.body):
            raise PermissionDenied
        form = WindowForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                call = services.open_enrolment_window(self.body, actor=request.user, title=d["title"],
                                                      opens_at=d["opens_at"], closes_at=d["closes_at"], text=d["text"])
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("已发布征集公告。"))
                return redirect("experts:enrolment-public", call.pk)
        self.form = form
        return self.render_to_response(self.get_context_data(), status=400)


def enrolment_list(request):  # public
    now = timezone.now()
    calls = list(Call.objects.filter(is_active=True, opens_at__isnull=False, body__is_active=True)
                 .select_related("body").order_by("-opens_at")[:50])
    for c in calls:
        c.open_now = c.is_open(now)
        c.upcoming = c.opens_at > now
    return render(request, "experts/terms/enrolment_list.html", {"calls": calls})


def enrolment_public(request, pk):  # public
    call = get_object_or_404(Call.objects.select_related("body__policy"), pk=pk, is_active=True,
                             body__is_active=True, opens_at__isnull=False)
    now = timezone.now()
    return render(request, "experts/terms/enrolment_public.html", {
        "call": call, "body": call.body, "open_now": call.is_open(now), "upcoming": call.opens_at > now,
        "next_window": services.next_window(call.body, now) if not call.is_open(now) else None})


urlpatterns = [
    path("experts/memberships/<int:pk>/term/", my_membership, name="my-membership"),
    path("experts/renewals/<int:pk>/withdraw/", withdraw_renewal, name="renewal-withdraw"),
    path("bodies/<slug:key>/renewals/", RenewalListView.as_view(), name="renewal-list"),
    path("bodies/<slug:key>/renewals/<int:pk>/", RenewalDetailView.as_view(), name="renewal-detail"),
    path("bodies/<slug:key>/renewals/<int:pk>/forward/", RenewalActionView.as_view(action="forward"),
         name="renewal-forward"),
    path("bodies/<slug:key>/renewals/<int:pk>/approve/", RenewalActionView.as_view(action="approve"),
         name="renewal-approve"),
    path("bodies/<slug:key>/renewals/<int:pk>/reject/", RenewalActionView.as_view(action="reject"),
         name="renewal-reject"),
    path("bodies/<slug:key>/renewals/<int:pk>/notice/", RenewalActionView.as_view(action="notice"),
         name="renewal-notice"),
    path("bodies/<slug:key>/pool/<int:pk>/renew/", StaffRenewalView.as_view(), name="renewal-start"),
    path("bodies/<slug:key>/enrolment/", EnrolmentView.as_view(), name="enrolment"),
    path("enrolment/", enrolment_list, name="enrolment-list"),  # public
    path("enrolment/<int:pk>/", enrolment_public, name="enrolment-public"),  # public
]
