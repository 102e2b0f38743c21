"""Views: notices (see experts/urls.py)."""
urlpatterns = []
