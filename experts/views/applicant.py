"""Views: applicant (see experts/urls.py)."""
urlpatterns = []
