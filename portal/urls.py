"""URL map. Public pages are marked `# public`; everything else requires login and an
object permission on the body named in the URL (portal.permissions)."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from .accounts.urls import root_urlpatterns as account_root_urls
from .views import audit as audit_views
from .views import bodies, inbox, roles, staff
from .views.calendar import calendar_month

urlpatterns = [
    path("", bodies.home, name="home"),  # public
    path("healthz", bodies.healthz, name="healthz"),  # public
    path("i18n/setlang/", set_language, name="set_language"),  # public
    path("bodies/", bodies.body_list, name="body-list"),  # public
    path("bodies/<slug:key>/", bodies.body_detail, name="body-detail"),  # public: rules with citations
    path("bodies/<slug:key>/staff/", staff.StaffHomeView.as_view(), name="staff-home"),
    path("bodies/<slug:key>/policy/", staff.PolicyEditView.as_view(), name="policy-edit"),
    path("bodies/<slug:key>/audit/", audit_views.AuditLogView.as_view(), name="audit-log"),
    path("bodies/<slug:key>/audit/export.xlsx", audit_views.AuditExportView.as_view(), name="audit-export"),
    path("tasks/", staff.my_tasks, name="my-tasks"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.mark_read, name="inbox-read"),
    path("roles/", roles.RoleAdminView.as_view(), name="role-admin"),
    path("roles/<int:pk>/revoke/", roles.revoke, name="role-revoke"),
    path("calendar/", calendar_month, name="calendar-month"),
    path("calendar/<int:year>/<int:month>/", calendar_month, name="calendar-month-at"),
    *account_root_urls,
    path("accounts/", include("portal.accounts.urls")),
    path("", include("experts.urls")),
    path("", include(("projects.urls_comments", "comments"))),
    path("", include("councils.urls")),  # councils, meetings, votes, minutes; public resolutions register
    path("projects/", include("projects.urls")),  # innovation-base projects
    path("admin/", admin.site.urls),
]


if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
