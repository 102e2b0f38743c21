"""Views: admission — the staff pool list and expert page, a person's memberships, the
e-certificate download and the public certificate verification (see experts/urls.py)."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from guardian.core import ObjectPermissionChecker

from portal.excel import xlsx_response
from portal.models import Body

from ..models import Expert
from ..models.pool import TitleLevel
from ..selectors import pool as selectors
from ..services.admission import certificate_pdf, format_period, format_term
from portal.pagination import paginate

PAGE_SIZE = 50
POOL_PERMISSIONS = ("manage_experts", "approve", "supervise")


def can_read_pool(user, body):
    """Staff who may read a body's pool: secretariat (manage_experts), approvers (approve) and
    supervisors (supervise). One permission lookup for all three."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    held = set(ObjectPermissionChecker(user).get_perms(body))
    return any(p in held for p in POOL_PERMISSIONS)


class PoolAccessMixin(AccessMixin):
    """Resolve `self.body` from the URL's `key`; anonymous users go to the login page, users
    without a pool-reading permission get 403."""

    def dispatch(self, request, *args, **kwargs):
        self.body = get_object_or_404(Body, key=kwargs["key"], is_active=True)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can_read_pool(request.user, self.body):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PoolFilterForm(forms.Form):
    STATUS_CHOICES = [*Expert.Status.choices, (selectors.STATUS_ALL, gettext_lazy("全部"))]

    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("姓名、单位、证书编号")}))
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=STATUS_CHOICES, required=False,
                               initial=Expert.Status.ACTIVE)
    field = forms.ChoiceField(label=gettext_lazy("专业领域"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("所在地区"), required=False)
    title_level = forms.ChoiceField(label=gettext_lazy("职称等级"), required=False,
                                    choices=[("", gettext_lazy("全部")), *TitleLevel.choices])
    term_ends_before = forms.DateField(label=gettext_lazy("聘期结束早于"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, body, **kwargs):
        super().__init__(*args, **kwargs)
        tree = selectors.pool_field_choices(body)
        self.field_nodes = {str(node.pk): node for node, _depth in tree}
        self.fields["field"].choices = [("", _("全部"))] + [
            (str(node.pk), "\u3000" * depth + node.name) for node, depth in tree]
        self.fields["region"].choices = [("", _("全部"))] + [(r, r) for r in selectors.pool_regions(body)]

    def clean_field(self):
        value = self.cleaned_data.get("field")
        return self.field_nodes.get(value) if value else None

    def filters(self):
        """Keyword arguments for selectors.pool_experts (active experts when unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return {"status": Expert.Status.ACTIVE}
        data = dict(self.cleaned_data)
        data["status"] = data.get("status") or Expert.Status.ACTIVE
        return data


def _filtered(request, body):
    form = PoolFilterForm(request.GET or None, body=body)
    return form, selectors.pool_experts(body, **form.filters())


class PoolListView(PoolAccessMixin, TemplateView):
    template_name = "experts/pool/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form, qs = _filtered(self.request, self.body)
        listing = paginate(self.request, qs, PAGE_SIZE)
        ctx.update({"body": self.body, "form": form, "experts": listing["page_obj"].object_list,
                    "today": timezone.localdate(), **listing})
        return ctx


class PoolExportView(PoolAccessMixin, View):
    def get(self, request, *args, **kwargs):
        _form, qs = _filtered(request, self.body)
        headers = [_("证书编号"), _("姓名"), _("工作单位"), _("专业技术职称"), _("专业领域"), _("所在地区"),
                   _("聘期开始"), _("聘期结束"), _("状态")]
        name = f"pool-{self.body.key}-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(name, _("专家库"), headers, selectors.export_rows(qs))


class ExpertDetailView(PoolAccessMixin, TemplateView):
    template_name = "experts/pool/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            expert = selectors.expert_for_staff(self.body, self.kwargs["pk"])
        except Expert.DoesNotExist:
            raise Http404 from None
        ctx.update({"body": self.body, "expert": expert, "profile": expert.profile, "term": format_term(expert),
                    "state": selectors.certificate_state(expert),
                    "history": selectors.membership_history(expert)})
        return ctx


@login_required
def my_memberships(request):
    memberships = list(selectors.memberships_for(request.user))
    today = timezone.localdate()
    rows = []
    for m in memberships:
        state = selectors.certificate_state(m, today)
        rows.append({"expert": m, "term": format_term(m), "state": state, "state_label": selectors.STATE_LABELS[state]})
    return render(request, "experts/certificates/my_memberships.html", {"rows": rows})


@login_required
def certificate_download(request, pk):
    """The e-certificate PDF: for the expert themself or the body's staff; 404 for anyone else."""
    try:
        expert = selectors.expert_for_certificate_download(pk)
    except Expert.DoesNotExist:
        raise Http404 from None
    if expert.user_id != request.user.pk and not can_read_pool(request.user, expert.body):
        raise Http404
    response = HttpResponse(certificate_pdf(expert), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"certificate-{expert.certificate_no}.pdf")
    return response


def certificate_verify(request, number):  # public: public snapshot fields only
    check = selectors.check_certificate(number)
    if check is None:
        from ..selectors.exits import superseded_certificate  # lifecycle-exit: renewed certificates

        renewal = superseded_certificate(number)
        if renewal is not None:
            return render(request, "experts/terms/superseded.html", {"number": number, "renewal": renewal})
        return render(request, "experts/certificates/not_found.html", {"number": number}, status=404)
    return render(request, "experts/certificates/verify.html", {
        "check": check, "term": format_period(check.term_start, check.term_end)})


urlpatterns = [
    path("certificates/<str:number>/", certificate_verify, name="certificate-verify"),  # public
    path("experts/memberships/", my_memberships, name="my-memberships"),
    path("experts/memberships/<int:pk>/certificate.pdf", certificate_download, name="certificate-pdf"),
    path("bodies/<slug:key>/pool/", PoolListView.as_view(), name="pool"),
    path("bodies/<slug:key>/pool/export.xlsx", PoolExportView.as_view(), name="pool-export"),
    path("bodies/<slug:key>/pool/<int:pk>/", ExpertDetailView.as_view(), name="expert-detail"),
]
