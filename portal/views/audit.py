"""A body's audit log: filterable, paginated, exportable to Excel."""
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .. import selectors
from ..excel import xlsx_response
from ..forms import AuditFilterForm
from ..permissions import BodyPermissionMixin
from ..pagination import paginate

PAGE_SIZE = 50


def _filtered(request, body):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, selectors.audit_events(body, **form.cleaned_data)
    return form, selectors.audit_events(body)


class AuditLogView(BodyPermissionMixin, TemplateView):
    body_permission = "view_audit"
    template_name = "portal/audit_log.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form, qs = _filtered(self.request, self.body)
        listing = paginate(self.request, qs, PAGE_SIZE)
        ctx.update({"form": form, "events": listing["page_obj"].object_list, **listing})
        return ctx


class AuditExportView(BodyPermissionMixin, View):
    body_permission = "view_audit"

    def get(self, request, *args, **kwargs):
        _form, qs = _filtered(request, self.body)
        headers = [_("时间"), _("操作人"), _("动作"), _("对象"), _("内容"), _("IP 地址"), _("哈希")]
        rows = (
            (timezone.localtime(e.created_at), e.actor_repr, e.action, e.target_repr, e.data, e.ip, e.hash)
            for e in qs.iterator(chunk_size=2000)
        )
        name = f"audit-{self.body.key}-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(name, _("审计日志"), headers, rows)
