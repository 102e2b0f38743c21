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
        from .selectors.exits import pending_tasks as lifecycle_tasks
        from .selectors.stats import pending_tasks as activity_tasks
        from .selectors.vetting import pending_tasks

        # vetting, then exit cases and renewals, then change reports / 报备 and the expert's own actions
        return pending_tasks(user) + lifecycle_tasks(user) + activity_tasks(user)

    def ready(self):
        # every exit trigger opens an exit case once its transaction commits
        from django.db.models.signals import post_save

        from .models import ExitTrigger
        from .services.exits import on_trigger_saved

        post_save.connect(on_trigger_saved, sender=ExitTrigger, dispatch_uid="experts-exit-trigger-case")
