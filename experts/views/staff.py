"""Views: staff (see experts/urls.py)."""
urlpatterns = []
