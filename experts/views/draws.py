"""Views of random draws and designations: the body's draw list and export, the draw request
form, the draw page (commitment, freeze, the supervisor's entropy, the live panel, the walk,
the audit trail), the records (JSON, public JSON, PDF with signature lines), designations and
their approval, and the supervisor's view of every draw they supervise.

Confidentiality: panel names only for the operator, the supervisor and approvers until the
engagement starts (then also other manage_experts staff); excluded experts' names and the full
record only for the operator, the supervisor and approvers; the public record has ids only."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from portal.excel import xlsx_response
from portal.forms import put_service_errors
from portal.pagination import paginate
from portal.pdf import render_pdf
from portal.permissions import bodies_for, has

from ..draws.record import build_record
from ..forms.draws import (CancelForm, DecisionForm, DesignationForm, DrawFilterForm, DrawForm, EntropyForm,
                           WithdrawForm)
from ..models import Draw, Expert
from ..models.pool import ExpertProfile, TitleLevel
from ..selectors import draws as selectors
from ..services import draws as services
from ..workflows import DRAW_FLOW
from .staff import AnyBodyPermissionMixin

D = Draw.Status
PAGE_SIZE = 25


# the services' field names that the forms call differently
SERVICE_FIELDS = {"fields": "fields_", "needs_by_field": "needed", "experts": "experts"}


# --------------------------------------------------------------------------- list and export

class DrawListView(AnyBodyPermissionMixin, TemplateView):
    body_permissions = selectors.STAFF_PERMISSIONS
    template_name = "experts/draws/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, body = self.request.user, self.body
        form = DrawFilterForm(self.request.GET or None)
        listing = paginate(self.request, selectors.draw_list(body, status=form.status_value()), PAGE_SIZE)
        approve = has(user, "approve", body)
        ctx.update({
            "form": form, "draws": listing["page_obj"].object_list, **listing,
            "can_manage": has(user, "manage_experts", body),
            "pending": list(selectors.pending_designations(body)) if approve else [],
            "can_approve": approve,
        })
        return ctx


class DrawExportView(AnyBodyPermissionMixin, View):
    body_permissions = selectors.STAFF_PERMISSIONS

    def get(self, request, *args, **kwargs):
        form = DrawFilterForm(request.GET or None)
        qs = selectors.draw_list(self.body, status=form.status_value())
        name = f"draws-{self.body.key}-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(name, _("专家抽取"), [str(h) for h in selectors.EXPORT_HEADERS],
                             selectors.export_rows(qs))


# --------------------------------------------------------------------------- new draw / designation

class _NewView(AnyBodyPermissionMixin, TemplateView):
    body_permissions = ("manage_experts",)
    form_class = None
    form = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = self.form or self.form_class(body=self.body)
        ctx.update({"form": form, "picked": self.picked(form)})
        return ctx

    def picked(self, form):
        """Experts already chosen in a bound form (to show them again after an error)."""
        name = self.picker_field
        if not form.is_bound:
            return []
        ids = [v for v in form.data.getlist(name) if str(v).isdigit()][:200]
        return list(Expert.objects.filter(body=self.body, status=Expert.Status.ACTIVE, pk__in=ids)
                    .order_by("public_name", "pk"))

    def post(self, request, *args, **kwargs):
        self.form = self.form_class(request.POST, request.FILES, body=self.body)
        if self.form.is_valid():
            try:
                draw = self.perform(self.form)
            except ValidationError as exc:
                put_service_errors(self.form, exc, rename=SERVICE_FIELDS)
            else:
                messages.success(request, self.success_message)
                return redirect(reverse("experts:draw-detail", args=[self.body.key, draw.pk]))
        return self.render_to_response(self.get_context_data(), status=200)


class DrawCreateView(_NewView):
    template_name = "experts/draws/form.html"
    form_class = DrawForm
    picker_field = "excluded_experts"
    success_message = gettext_lazy("抽取申请已保存。请核对后冻结专家池。")

    def perform(self, form):
        return services.create_draw(self.body, actor=self.request.user, **form.service_kwargs())


class DesignationCreateView(_NewView):
    template_name = "experts/draws/designation_form.html"
    form_class = DesignationForm
    picker_field = "experts"
    success_message = gettext_lazy("指定申请已提交，待审批。")

    def perform(self, form):
        return services.request_designation(self.body, actor=self.request.user, **form.service_kwargs())


class ExpertSearchView(AnyBodyPermissionMixin, TemplateView):
    """htmx: active members of the body matching the query, as checkboxes for a picker."""

    body_permissions = ("manage_experts",)
    template_name = "experts/draws/_expert_search.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "")[:100]
        ctx.update({"q": q, "results": selectors.search_active_experts(self.body, q),
                    "field_name": "experts" if self.request.GET.get("for") == "experts" else "excluded_experts"})
        return ctx


# --------------------------------------------------------------------------- one draw

class DrawMixin(AnyBodyPermissionMixin):
    body_permissions = selectors.STAFF_PERMISSIONS

    def load(self):
        try:
            self.draw = selectors.draw_for_detail(self.body, self.kwargs["pk"])
        except Draw.DoesNotExist as exc:
            raise Http404 from exc
        return self.draw


def pool_target(draw):
    """How many the walk must invite (needed × the frozen draw ratio; `needed` before freezing)."""
    return int((draw.policy_snapshot or {}).get("draw_conditions", {}).get("invite") or draw.needed)


def condition_labels(draw):
    titles = dict(TitleLevel.choices)
    types = dict(ExpertProfile.EmployerType.choices)
    return {"min_title_label": titles.get(draw.min_title_level, draw.min_title_level),
            "employer_type_labels": [str(types.get(t, t)) for t in draw.employer_types or []]}


def withdraw_choices(draw, user, invitation_list, show_names):
    """[(invitation id, label)] of the invitations in force that the user may withdraw: staff
    managing experts, while the draw runs and its engagement has not ended."""
    if (draw.status not in (D.INVITING, D.COMPLETE, D.EXHAUSTED)
            or draw.engagement_end < timezone.localdate() or not has(user, "manage_experts", draw.body)):
        return []
    return [(inv.pk, f"{inv.rank or _('指定')} · " + (inv.expert.public_name if show_names
                                                       else _("专家 #%(id)s") % {"id": inv.expert_id})
             + f" · {inv.get_status_display()}")
            for inv in invitation_list if inv.status in services.ACTIVE]


def live_context(draw, user, invitation_list=None):
    """Context of the live panel (also part of the draw page)."""
    invitation_list = selectors.invitations(draw) if invitation_list is None else invitation_list
    return {"draw": draw, "invitations": invitation_list, "show_names": selectors.can_see_names(user, draw),
            "counts": selectors.status_counts(invitation_list),
            "polling": draw.status == D.INVITING}


class DrawDetailView(DrawMixin, TemplateView):
    template_name = "experts/draws/detail.html"
    bound = {}

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def url(self, name):
        return reverse(f"experts:{name}", args=[self.body.key, self.draw.pk])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        draw, user = self.draw, self.request.user
        targets = set(DRAW_FLOW.allowed_targets(draw, user))
        random = draw.mode == Draw.Mode.RANDOM
        can = {
            "freeze": random and draw.status == D.DRAFT and D.COMMITTED in targets,
            # the service also requires the draw's own supervisor
            "entropy": (random and draw.status == D.COMMITTED and D.INVITING in targets
                        and (user.pk == draw.supervisor_id or user.is_superuser)),
            "cancel": D.CANCELLED in targets,
            "decide": draw.status == D.PENDING_APPROVAL and bool({D.INVITING, D.REJECTED} & targets),
        }
        invitation_list = selectors.invitations(draw)
        show_names = selectors.can_see_names(user, draw)
        withdrawable = withdraw_choices(draw, user, invitation_list, show_names)
        can["withdraw"] = bool(withdrawable)
        full = selectors.can_see_full_record(user, draw)
        names = {}
        if show_names or full:
            names = {i.expert_id: i.expert.public_name for i in invitation_list}
            names.update(selectors.expert_names(selectors.ids_for_names(draw, invitation_list)))
        drawn = draw.status in selectors.DRAWN_STATES
        ctx.update({
            "draw": draw, "policy": draw.policy_snapshot or {}, "can": can, "any_action": any(can.values()),
            "forms": {
                "entropy": self.bound.get("entropy") or EntropyForm(),
                "cancel": self.bound.get("cancel") or CancelForm(),
                "decide": self.bound.get("decide") or DecisionForm(),
                "freeze": self.bound.get("freeze"),
                "withdraw": self.bound.get("withdraw") or WithdrawForm(choices=withdrawable),
            },
            "fields": list(draw.fields.all()), "needs": self._needs(draw), **condition_labels(draw),
            "show_names": show_names, "full_record": full,
            "excluded_by_request": list(draw.excluded_experts.all()) if full else [],
            "walk": selectors.walk_rows(draw, names if show_names else None),
            "exclusion_summary": selectors.exclusion_summary(draw),
            "exclusion_rows": selectors.exclusion_rows(draw, names) if full else [],
            "excluded_count": selectors.excluded_count(draw),
            "listed_count": len(selectors.record_excluded_ids(draw)),
            "why_q": self.request.GET.get("why", "")[:100] if full else "",
            "why": selectors.why_not_in_pool(draw, self.request.GET.get("why")) if full else [],
            "frozen": bool(draw.pool_hash),
            "pool_target": pool_target(draw),
            "pool_short": bool(draw.pool_hash) and draw.mode == Draw.Mode.RANDOM and len(draw.pool) < pool_target(draw),
            "drawn": drawn, "public_record": selectors.is_drawn(draw),
            "audit": selectors.audit_trail(draw, [i.pk for i in invitation_list]) if show_names else [],
            **live_context(draw, user, invitation_list),
        })
        return ctx

    @staticmethod
    def _needs(draw):
        if not draw.needs_by_field:
            return []
        from ..models import ExpertField

        labels = dict(ExpertField.objects.filter(body=draw.body, code__in=list(draw.needs_by_field))
                      .values_list("code", "name_zh"))
        return [(labels.get(code, code), n) for code, n in draw.needs_by_field.items()]


class DrawActionView(DrawDetailView):
    """POST of one form of the draw page. Valid input calls the service; refused input
    re-renders the draw page with the messages on the form (nothing changed)."""

    http_method_names = ["post"]
    key = None
    form_class = None

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.form_class(request.POST) if self.form_class else None
        if form is None or form.is_valid():
            try:
                message = self.perform(form)
            except ValidationError as exc:
                if form is None:
                    from django import forms as dj_forms

                    form = dj_forms.Form(data={})
                    form.is_valid()
                put_service_errors(form, exc, rename=SERVICE_FIELDS)
            else:
                for level, text in message:
                    messages.add_message(request, level, text)
                return redirect(self.url("draw-detail"))
        self.bound = {self.key: form}
        return self.render_to_response(self.get_context_data(), status=200)


class FreezeView(DrawActionView):
    body_permissions = ("manage_experts",)
    key = "freeze"

    def perform(self, form):
        draw = services.freeze_pool(self.draw, actor=self.request.user)
        out = [(messages.SUCCESS, _("专家池已冻结，承诺值已公布。请监督人输入公开随机数。"))]
        if getattr(draw, "warning", ""):
            out.append((messages.WARNING, draw.warning))
        return out


class EntropyView(DrawActionView):
    body_permissions = ("supervise",)
    key = "entropy"
    form_class = EntropyForm

    def perform(self, form):
        services.enter_entropy(self.draw, actor=self.request.user, value=form.cleaned_data["value"],
                               source=form.cleaned_data["source"])
        return [(messages.SUCCESS, _("已输入公开随机数，抽取完成，邀请已发出。"))]


class CancelView(DrawActionView):
    body_permissions = ("manage_experts",)
    key = "cancel"
    form_class = CancelForm

    def perform(self, form):
        services.cancel_draw(self.draw, actor=self.request.user, reason=form.cleaned_data["reason"])
        return [(messages.SUCCESS, _("抽取已取消。"))]


class WithdrawView(DrawActionView):
    body_permissions = ("manage_experts",)
    key = "withdraw"

    def form_class(self, data):
        draw, user = self.draw, self.request.user
        return WithdrawForm(data, choices=withdraw_choices(draw, user, selectors.invitations(draw),
                                                           selectors.can_see_names(user, draw)))

    def perform(self, form):
        invitation = self.draw.invitations.get(pk=form.cleaned_data["invitation"])
        services.cancel_invitation(invitation, actor=self.request.user, reason=form.cleaned_data["reason"])
        return [(messages.SUCCESS, _("邀请已撤回；随机抽取的，已按顺序递补。"))]


class DecideView(DrawActionView):
    body_permissions = ("approve",)
    key = "decide"
    form_class = DecisionForm

    def perform(self, form):
        approve = form.cleaned_data["decision"] == "approve"
        services.decide_designation(self.draw, actor=self.request.user, approve=approve,
                                    note=form.cleaned_data["note"])
        return [(messages.SUCCESS, _("已批准指定，邀请已发出。") if approve else _("已作出不予批准的决定。"))]


class LiveView(DrawMixin, TemplateView):
    """htmx partial: the panel while the draw runs (polled every 3 seconds)."""

    template_name = "experts/draws/_live.html"

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(live_context(self.draw, self.request.user))
        return ctx


class LetterView(DrawMixin, View):
    """The unit's written recusal request: private, for the operator, supervisor and approvers."""

    def get(self, request, *args, **kwargs):
        draw = self.load()
        if not selectors.can_see_full_record(request.user, draw):
            raise PermissionDenied
        if not draw.exclusion_letter:
            raise Http404
        from pathlib import Path

        return FileResponse(draw.exclusion_letter.open("rb"), as_attachment=True,
                            filename=f"recusal-request-{draw.pk}{Path(draw.exclusion_letter.name).suffix.lower()}")


class PdfView(DrawMixin, View):
    """The draw record as a PDF with signature lines for the operator and the supervisor."""

    def get(self, request, *args, **kwargs):
        draw = self.load()
        if not selectors.can_see_names(request.user, draw):
            raise PermissionDenied
        invitation_list = selectors.invitations(draw)
        names = {i.expert_id: i.expert.public_name for i in invitation_list}
        names.update(selectors.expert_names(selectors.ids_for_names(draw, invitation_list)))
        ctx = {
            "draw": draw, "body": self.body, "walk": selectors.walk_rows(draw, names),
            "panel": selectors.panel(invitation_list), "invitations": invitation_list,
            "fields": list(draw.fields.all()), "needs": DrawDetailView._needs(draw), **condition_labels(draw),
            "exclusion_summary": selectors.exclusion_summary(draw), "excluded_count": selectors.excluded_count(draw),
            "algorithm": selectors.draw_algorithm(draw), "printed_at": timezone.localtime(),
        }
        response = HttpResponse(render_pdf("experts/pdf/draw_record.html", ctx), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="draw-{draw.pk}.pdf"'
        return response


# --------------------------------------------------------------------------- JSON records

def _json(record, filename):
    response = JsonResponse(record, encoder=DjangoJSONEncoder,
                            json_dumps_params={"ensure_ascii": False, "indent": 2, "sort_keys": True})
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _public_record(draw):
    if not selectors.is_drawn(draw):
        raise Http404
    return _json(build_record(draw, public=True), f"draw-{draw.pk}-public.json")


def draw_record(request, pk):
    """The full record for the operator, supervisor and approvers; `?public=1` the public one."""
    try:
        draw = selectors.draw_by_pk(pk)
    except Draw.DoesNotExist as exc:
        raise Http404 from exc
    if request.GET.get("public"):
        return _public_record(draw)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not selectors.can_see_full_record(request.user, draw):
        raise PermissionDenied
    return _json(build_record(draw, public=False), f"draw-{draw.pk}.json")


def draw_record_public(request, pk):  # public: ids only, once the draw has been drawn
    try:
        draw = selectors.draw_by_pk(pk)
    except Draw.DoesNotExist as exc:
        raise Http404 from exc
    return _public_record(draw)


# --------------------------------------------------------------------------- supervision

class SupervisionView(LoginRequiredMixin, TemplateView):
    """Every draw of the bodies the user supervises, newest first."""

    template_name = "experts/draws/supervision.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not bodies_for(request.user, "supervise").exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        listing = paginate(self.request, selectors.supervision_list(self.request.user), PAGE_SIZE)
        ctx.update({"draws": listing["page_obj"].object_list, "running": selectors.RUNNING_STATES, **listing})
        return ctx


urlpatterns = [
    path("bodies/<slug:key>/draws/", DrawListView.as_view(), name="draw-list"),
    path("bodies/<slug:key>/draws/export.xlsx", DrawExportView.as_view(), name="draw-export"),
    path("bodies/<slug:key>/draws/new/", DrawCreateView.as_view(), name="draw-new"),
    path("bodies/<slug:key>/draws/experts/", ExpertSearchView.as_view(), name="draw-expert-search"),
    path("bodies/<slug:key>/draws/<int:pk>/", DrawDetailView.as_view(), name="draw-detail"),
    path("bodies/<slug:key>/draws/<int:pk>/freeze/", FreezeView.as_view(), name="draw-freeze"),
    path("bodies/<slug:key>/draws/<int:pk>/entropy/", EntropyView.as_view(), name="draw-entropy"),
    path("bodies/<slug:key>/draws/<int:pk>/cancel/", CancelView.as_view(), name="draw-cancel"),
    path("bodies/<slug:key>/draws/<int:pk>/withdraw/", WithdrawView.as_view(), name="draw-withdraw"),
    path("bodies/<slug:key>/draws/<int:pk>/live/", LiveView.as_view(), name="draw-live"),
    path("bodies/<slug:key>/draws/<int:pk>/record.pdf", PdfView.as_view(), name="draw-pdf"),
    path("bodies/<slug:key>/draws/<int:pk>/letter/", LetterView.as_view(), name="draw-letter"),
    path("bodies/<slug:key>/draws/<int:pk>/decide/", DecideView.as_view(), name="designation-decide"),
    path("bodies/<slug:key>/designations/new/", DesignationCreateView.as_view(), name="designation-new"),
    path("draws/<int:pk>/record.json", draw_record, name="draw-record"),  # public with ?public=1 (ids only)
    path("draws/<int:pk>/public-record.json", draw_record_public, name="draw-record-public"),  # public
    path("supervision/", SupervisionView.as_view(), name="supervision"),
]
