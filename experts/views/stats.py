"""Views: the staff statistics of a body's pool (view_staff_area): charts as server-rendered,
accessible SVG with a data table each, and the per-expert Excel export streamed from a
temporary file (a write-only workbook: constant memory on 100k experts)."""
import tempfile

from django.http import FileResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views import View

from portal.permissions import BodyPermissionMixin

from ..selectors import stats as selectors


class StatsView(BodyPermissionMixin, View):
    body_permission = "view_staff_area"

    def get(self, request, key):
        ctx = selectors.pool_statistics(self.body)
        ctx["body"] = self.body
        ctx["alpha_display"] = f"{selectors.ALPHA:g}"
        return render(request, "experts/stats/stats.html", ctx)


class StatsExportView(BodyPermissionMixin, View):
    body_permission = "view_staff_area"

    def get(self, request, key):
        handle = tempfile.TemporaryFile()
        selectors.export_experts_xlsx(self.body, handle)
        handle.seek(0)
        name = f"experts-{self.body.key}-{timezone.localdate():%Y%m%d}.xlsx"
        return FileResponse(handle, as_attachment=True, filename=name,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


urlpatterns = [
    path("bodies/<slug:key>/stats/", StatsView.as_view(), name="stats"),
    path("bodies/<slug:key>/stats/experts.xlsx", StatsExportView.as_view(), name="stats-export"),
]
