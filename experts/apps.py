from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = _("专家库")

    # Providers the portal shell calls (home page notices, "my tasks").
    def open_public_notices(self, limit=10):
        from .selectors.notices import open_public_notices

        return open_public_notices(limit=limit)

    def pending_tasks(self, user):
        from .selectors.vetting import pending_tasks

        tasks = pending_tasks(user)
        # lifecycle-self: change reports and prior reports waiting for staff, the expert's own actions
        from .selectors.stats import pending_tasks as activity_tasks

        return tasks + activity_tasks(user)
