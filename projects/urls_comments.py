"""URLs of the comment rounds, included under the namespace "comments" (portal/urls.py).
Public pages are marked `# public`; respondent pages need login and an invitation; staff
pages need manage_projects on the body in the URL."""
from django.urls import path

from .views import comments as v

urlpatterns = [
    path("comments/", v.index, name="index"),  # public
    path("comments/mine/", v.my_comments, name="mine"),
    path("comments/<int:pk>/", v.round_detail, name="round"),  # public when the round is public
    path("comments/<int:pk>/draft/", v.draft_download, name="draft"),  # public when the round is public
    path("comments/<int:pk>/public/", v.public_comment, name="public-comment"),  # public (public rounds only)
    path("comments/<int:pk>/respond/", v.respond, name="respond"),
    path("comments/<int:pk>/respond/<int:cid>/edit/", v.edit_comment, name="edit"),
    path("comments/<int:pk>/respond/<int:cid>/delete/", v.delete_comment, name="delete"),
    path("comments/<int:pk>/upload/", v.upload, name="upload"),
    path("comments/<int:pk>/form.xlsx", v.sheet_template, name="template"),
    path("bodies/<slug:key>/comments/", v.StaffRoundList.as_view(), name="staff-list"),
    path("bodies/<slug:key>/comments/new/", v.OpenRoundView.as_view(), name="staff-open"),
    path("bodies/<slug:key>/comments/<int:pk>/", v.StaffRoundView.as_view(), name="staff-round"),
    path("bodies/<slug:key>/comments/<int:pk>/invite/", v.InviteView.as_view(), name="staff-invite"),
    path("bodies/<slug:key>/comments/<int:pk>/comments/<int:cid>/dispose/", v.DisposeView.as_view(),
         name="staff-dispose"),
    path("bodies/<slug:key>/comments/<int:pk>/summary.xlsx", v.SummaryExcelView.as_view(), name="summary-xlsx"),
    path("bodies/<slug:key>/comments/<int:pk>/summary.pdf", v.SummaryPdfView.as_view(), name="summary-pdf"),
]
