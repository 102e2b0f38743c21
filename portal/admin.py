from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from guardian.admin import GuardedModelAdmin

from .models import AuditEvent, Body, CalendarDay, Delivery, Notification, Policy, RoleAssignment, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "mobile", "email_verified", "is_active", "is_superuser"]
    search_fields = ["email", "name", "mobile"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name", "mobile", "preferred_language", "email_verified"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]
    filter_horizontal = ["groups", "user_permissions"]
    list_filter = ["is_active", "is_superuser", "email_verified"]


class PolicyInline(admin.StackedInline):
    model = Policy
    can_delete = False


@admin.register(Body)
class BodyAdmin(GuardedModelAdmin):
    list_display = ["key", "name_zh", "kind", "is_active"]
    inlines = [PolicyInline]

    def save_formset(self, request, form, formset, change):
        # Policy edits belong to the audited service (portal.policy.update_policy), which the
        # portal's policy page uses; the admin inline is kept for creating a body only.
        if change and formset.model is Policy:
            return
        super().save_formset(request, form, formset, change)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "chain", "seq", "actor_repr", "action", "target_repr"]
    list_filter = ["chain", "action"]
    search_fields = ["actor_repr", "action", "target_repr"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "body", "role", "granted_at"]
    list_filter = ["body", "role"]

    def has_add_permission(self, request):
        return False  # use the portal's role page (audited service)

    def has_change_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["channel", "status", "attempts", "sent_at", "error"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "subject", "read_at"]
    list_filter = ["kind"]
    inlines = [DeliveryInline]
