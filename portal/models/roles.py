from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("秘书处（工作人员）")
    APPROVER = "approver", _("审批人")
    SUPERVISOR = "supervisor", _("监督（纪委）")
    MEMBER = "member", _("成员")
    EXPERT = "expert", _("专家")


class RoleAssignment(models.Model):
    """A user holds a role in a body. The matching guardian object permissions on the
    Body are granted and revoked together with this row (portal.roles services)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    body = models.ForeignKey("portal.Body", on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        ordering = ["body__order", "role", "user__name"]
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "body", "role"], name="role_assignment_unique"),
            models.CheckConstraint(condition=models.Q(role__in=[r[0] for r in Role.choices]), name="role_valid"),
        ]

    def __str__(self):
        return f"{self.user} · {self.body.key} · {self.get_role_display()}"
