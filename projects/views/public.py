"""Public pages (no login): project notices with the join and objection forms, a published
project's page, announcements and the results statistics. They render public columns only;
objectors' names and contacts never reach a public page."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import workdays
from portal.middleware import client_ip
from portal.pagination import paginate
from portal.permissions import bodies_for
from portal.ratelimit import PerIpLimit

from .. import selectors
from ..forms import JoinForm, ObjectionForm
from ..services import project_notice as notice_services
from ..services.project_common import organisations_of
from .charts import bar_chart

PAGE_SIZE = 20
SESSION_RECEIPTS = "projects_objection_receipts"


# the same per-IP allowance as the expert objection form, counted separately
OBJECTION_LIMIT = PerIpLimit("projects:objection-rate", "QUORUM_OBJECTION_RATE", (5, 3600))


def notice_list(request):  # public
    ctx = paginate(request, selectors.public_notices(), PAGE_SIZE)
    for p in ctx["page_obj"].object_list:
        p.ends_display = workdays.format_deadline(p.notice_ends_on)
    return render(request, "projects/public/notices.html", {
        **ctx, "projects": ctx["page_obj"].object_list, "announcements": selectors.announcements(10),
        "staff_bodies": list(bodies_for(request.user, "manage_projects"))})


def public_detail_context(request, project, *, join_form=None, objection_form=None):
    now = timezone.now()
    is_open = notice_services.notice_is_open(project, now)
    orgs = None
    if request.user.is_authenticated and is_open:
        orgs = organisations_of(request.user, project.body).exclude(pk=project.owner_org_id)
        if not orgs.exists():
            orgs = None
    return {
        "project": project, "body": project.body, "is_open": is_open,
        "ends_display": workdays.format_deadline(project.notice_ends_on) if project.notice_ends_on else "",
        "notice_workdays": (project.notice_snapshot or {}).get("notice_workdays"),
        "join_form": join_form or (JoinForm(organisations=orgs) if orgs is not None else None),
        "objection_form": objection_form or ObjectionForm(),
        "partners": list(project.partners.all()),
        "announcements": list(project.announcements.all()),
        "outputs": list(project.outputs.all()),
    }


def public_detail(request, pk):  # public
    project = selectors.public_project(pk)
    if project is None:
        raise Http404
    return render(request, "projects/public/detail.html", public_detail_context(request, project))


@require_POST
def file_objection(request, pk):  # public, rate limited per client IP
    project = selectors.public_project(pk)
    if project is None:
        raise Http404
    form = ObjectionForm(request.POST)
    ip = client_ip(request)
    if OBJECTION_LIMIT.exceeded(ip):
        form.add_error(None, _("提交过于频繁，请稍后再试。"))
    elif form.is_valid():
        try:
            objection = notice_services.file_objection(project, ip=ip, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            OBJECTION_LIMIT.count(ip)
            messages.success(request, _("异议已收到，回执编号：%(no)s。请妥善保存，工作人员将与您联系。")
                             % {"no": objection.receipt_no})
            return redirect("projects:public-detail", pk=project.pk)
    resp = render(request, "projects/public/detail.html",
                  public_detail_context(request, project, objection_form=form))
    resp.status_code = 400
    return resp


def results(request):  # public: statistics of published projects, charts and tables
    stats = selectors.public_stats()
    charts = [
        ("status", _("按状态"), stats["by_status"]),
        ("field", _("按领域"), stats["by_field"]),
        ("year", _("按立项年度"), stats["by_year"]),
        ("unit", _("按申报单位（前 15 名）"), stats["by_unit"]),
        ("outputs", _("项目成果（按类型）"), stats["outputs"]),
    ]
    return render(request, "projects/public/results.html", {
        "stats": stats,
        "charts": [{"key": k, "title": t, "rows": rows, "svg": bar_chart(k, t, rows)} for k, t, rows in charts],
    })


urlpatterns = [
    path("notices/", notice_list, name="notice-list"),  # public
    path("notices/<int:pk>/", public_detail, name="public-detail"),  # public
    path("notices/<int:pk>/object/", file_objection, name="objection"),  # public, rate limited
    path("results/", results, name="results"),  # public
]
