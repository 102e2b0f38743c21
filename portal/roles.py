"""Roles per body. Each role maps to guardian object permissions on Body; granting and
revoking are audited services."""
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from . import audit, notify
from .models import Role, RoleAssignment

ROLE_PERMISSIONS = {
    Role.SECRETARIAT: ["view_staff_area", "edit_policy", "view_audit", "manage_experts", "manage_council",
                       "manage_projects"],
    Role.APPROVER: ["view_staff_area", "approve"],
    Role.SUPERVISOR: ["view_staff_area", "view_audit", "supervise"],
    Role.MEMBER: ["take_part"],
    Role.EXPERT: ["serve_as_expert"],
}


class RoleError(Exception):
    pass


def _require_site_admin(actor):
    from django.core.exceptions import PermissionDenied

    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("只有站点管理员可以分配角色。"))


def grant_role(user, body, role, *, actor):
    """Give `user` the `role` in `body`. Idempotent: granting a held role changes nothing."""
    _require_site_admin(actor)
    role = Role(role)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, body=body, role=role, defaults={"granted_by": actor})
        if not created:
            return assignment
        for codename in ROLE_PERMISSIONS[role]:
            assign_perm(f"portal.{codename}", user, body)
        group, _created = Group.objects.get_or_create(name=role.value)
        user.groups.add(group)
        audit.record(actor, "role.grant", assignment, body=body,
                     data={"user": user.email, "role": role.value})
        notify.later([user], "role_granted", assignment, body=body,
                     subject=notify.fmt(gettext_lazy("您已获得“%(body)s”的%(role)s角色"), body=body.name_zh, role=role.label))
    return assignment


def revoke_role(assignment, *, actor):
    _require_site_admin(actor)
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().select_related("user", "body").get(pk=assignment.pk)
        user, body, role = assignment.user, assignment.body, Role(assignment.role)
        still_needed = {
            p for r in RoleAssignment.objects.filter(user=user, body=body).exclude(pk=assignment.pk)
            .values_list("role", flat=True) for p in ROLE_PERMISSIONS[Role(r)]
        }
        for codename in ROLE_PERMISSIONS[role]:
            if codename not in still_needed:
                remove_perm(f"portal.{codename}", user, body)
        audit.record(actor, "role.revoke", assignment, body=body,
                     data={"user": user.email, "role": role.value})
        assignment.delete()
        if not RoleAssignment.objects.filter(user=user, role=role).exists():
            user.groups.remove(*Group.objects.filter(name=role.value))
    return None
