"""Views: admission (see experts/urls.py)."""
urlpatterns = []
