"""URLs of the expert pool. Public pages are marked `# public` in each views module."""
from django.urls import path  # noqa: F401

from .views import admission, applicant, notices, staff

app_name = "experts"

urlpatterns = [
    *applicant.urlpatterns,
    *staff.urlpatterns,
    *notices.urlpatterns,
    *admission.urlpatterns,
]
