"""URLs of innovation-base projects (namespace "projects"). Public pages are marked
`# public` in views/public.py; everything else requires login and a per-project check."""
from .views import projects, public

app_name = "projects"

urlpatterns = [
    *public.urlpatterns,
    *projects.urlpatterns,
]
