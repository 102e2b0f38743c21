from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("创新项目")

    def ready(self):
        from . import council_link  # noqa: F401  (connects the council's motion_closed signal)
