from .models import Notification
from .permissions import bodies_for


def shell(request):
    """Navbar data: unread count and the bodies the user works in (2 queries, lazily)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}

    def unread():
        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    def staff_bodies():
        return list(bodies_for(user, "view_staff_area").only("key", "name_zh", "name_en"))

    return {"unread_count": unread, "staff_bodies": staff_bodies}
