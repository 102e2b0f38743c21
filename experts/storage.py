"""Private file storage: under MEDIA_ROOT/private, with no public URL. Files are served only
by views that check the permission (attachment, evidence and letter downloads)."""
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Reads MEDIA_ROOT at every use (not at import), so tests and deployments may move it."""

    def __init__(self, **kwargs):
        super().__init__(base_url=None, **kwargs)

    @property
    def base_location(self):
        return os.path.join(str(settings.MEDIA_ROOT), "private")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL; use the permission-checked download view")


def private_storage():
    return PrivateStorage()


def random_name(folder, filename):
    """`folder/<random hex><original extension>`: the stored name never carries the uploader's
    file name (kept on the row where needed), so names can't collide or leak personal data."""
    return f"{folder}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"
