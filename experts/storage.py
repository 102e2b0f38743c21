"""Private file storage: under MEDIA_ROOT/private, with no public URL. Files are served only
by views that check the permission (experts.views.files)."""
from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("location", str(settings.MEDIA_ROOT / "private"))
        super().__init__(base_url=None, **kwargs)

    def url(self, name):
        raise ValueError("private files have no public URL; use the permission-checked download view")


def private_storage():
    """Callable storage (evaluated at runtime, so tests may change MEDIA_ROOT)."""
    return PrivateStorage(location=str(settings.MEDIA_ROOT / "private"))
