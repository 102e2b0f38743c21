"""Staff pages of a body: dashboard, policy editing, my tasks."""
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from .. import permissions
from ..forms import PolicyForm
from ..models import AuditEvent, RoleAssignment
from ..permissions import BodyPermissionMixin
from ..policy import PolicyError, update_policy


class StaffHomeView(BodyPermissionMixin, TemplateView):
    body_permission = "view_staff_area"
    template_name = "portal/staff_home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update({
            "can_edit_policy": permissions.has(user, "edit_policy", self.body),
            "can_view_audit": permissions.has(user, "view_audit", self.body),
            "can_manage_experts": permissions.has(user, "manage_experts", self.body),
            "can_approve": permissions.has(user, "approve", self.body),
            "can_supervise": permissions.has(user, "supervise", self.body),
            "can_manage_council": permissions.has(user, "manage_council", self.body),
            "can_manage_projects": permissions.has(user, "manage_projects", self.body),
            "runs_pool": "expert_pool" in (self.body.runs or []),
            "runs_council": "council" in (self.body.runs or []),
            "runs_projects": "projects" in (self.body.runs or []),
            "runs_comments": "comment_rounds" in (self.body.runs or []),
            "recent_events": (AuditEvent.objects.filter(body=self.body).select_related("actor")[:10]
                              if permissions.has(user, "view_audit", self.body) else []),
            "assignments": RoleAssignment.objects.filter(body=self.body).select_related("user").order_by(
                "role", "user__name"),
        })
        return ctx


class PolicyEditView(BodyPermissionMixin, FormView):
    body_permission = "edit_policy"
    template_name = "portal/policy_form.html"
    form_class = PolicyForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.body.policy
        return kwargs

    def form_valid(self, form):
        values = {name: form.cleaned_data[name] for name in form.fields}
        try:
            _policy, changed = update_policy(self.body, actor=self.request.user, values=values)
        except PolicyError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
            return self.form_invalid(form)
        if changed:
            messages.success(self.request, _("已保存 %(n)s 项规则修改，并记入审计日志。") % {"n": len(changed)})
        else:
            messages.info(self.request, _("没有修改任何规则。"))
        return redirect("body-detail", key=self.body.key)


@login_required
def my_tasks(request):
    """What waits for the user, gathered from each app's `pending_tasks(user)` provider."""
    tasks = []
    for config in apps.get_app_configs():
        provider = getattr(config, "pending_tasks", None)
        if provider:
            tasks.extend(provider(request.user))
    assignments = request.user.role_assignments.select_related("body").order_by("body__order", "role")
    if not assignments and not tasks and not request.user.is_superuser:
        pass
    return render(request, "portal/my_tasks.html", {"tasks": tasks, "assignments": assignments})


def forbidden(request, exception=None):
    raise PermissionDenied
