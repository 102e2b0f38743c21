"""Site admins assign roles per body."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from .. import roles, selectors
from ..forms import RoleGrantForm
from ..models import RoleAssignment
from ..permissions import SiteAdminRequiredMixin


class RoleAdminView(SiteAdminRequiredMixin, FormView):
    template_name = "portal/roles.html"
    form_class = RoleGrantForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = selectors.role_assignments()
        body = self.request.GET.get("body")
        if body:
            qs = qs.filter(body__key=body)
        ctx["page_obj"] = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        return ctx

    def form_valid(self, form):
        a = roles.grant_role(form.cleaned_data["user"], form.cleaned_data["body"], form.cleaned_data["role"],
                             actor=self.request.user)
        messages.success(self.request, _("已授予：%(a)s") % {"a": a})
        return redirect("role-admin")


@require_POST
def revoke(request, pk):
    if not request.user.is_authenticated or not request.user.is_superuser:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    assignment = get_object_or_404(RoleAssignment, pk=pk)
    label = str(assignment)
    roles.revoke_role(assignment, actor=request.user)
    messages.success(request, _("已撤销：%(a)s") % {"a": label})
    return redirect("role-admin")
