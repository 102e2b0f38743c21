"""URLs of councils, meetings, votes and minutes. Public pages are marked `# public` in each
views module (the resolutions register); everything else requires login and a permission on the
council's body or a seat in the council."""
from .views import councils, meetings, minutes, motions, public

app_name = "councils"

urlpatterns = [
    *councils.urlpatterns,
    *meetings.urlpatterns,
    *motions.urlpatterns,
    *minutes.urlpatterns,
    *public.urlpatterns,
]
