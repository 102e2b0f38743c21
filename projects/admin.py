"""Admin of projects: per-body project settings and the participating units (成员单位) with
their accounts. Projects themselves change only through the services (read-only here)."""
from django.contrib import admin

from .models import Organisation, Project, ProjectSettings


@admin.register(ProjectSettings)
class ProjectSettingsAdmin(admin.ModelAdmin):
    list_display = ("body", "requires_council_decision", "notice_workdays", "closing_review_min_reviewers",
                    "closing_pass_score", "reminder_days_before")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "body", "credit_code")
    list_filter = ("body",)
    search_fields = ("name", "credit_code")
    filter_horizontal = ("members",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "owner_org", "status", "year")
    list_filter = ("body", "status", "field")
    search_fields = ("number", "title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
