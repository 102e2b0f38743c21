"""URLs of the expert pool. Public pages are marked `# public` in each views module."""
from .views import admission, applicant, draws, invitations, notices, staff
from .views import activity, selfservice, stats  # lifecycle-self

app_name = "experts"

urlpatterns = [
    *applicant.urlpatterns,
    *staff.urlpatterns,
    *notices.urlpatterns,
    *admission.urlpatterns,
    *draws.urlpatterns,
    *invitations.urlpatterns,
    # lifecycle-self: self-service, activity, statistics
    *selfservice.urlpatterns,
    *activity.urlpatterns,
    *stats.urlpatterns,
]

# lifecycle-exit: exit process, terms and renewals, enrolment windows
from .views import exits as _exits, terms as _terms  # noqa: E402

urlpatterns += [*_exits.urlpatterns, *_terms.urlpatterns]
