"""Helpers shared by the project services: settings, errors, the archive guard, owner
resolution, numbering and version snapshots."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experts.services.common import next_sequence
from portal.permissions import has, users_with

from ..models import Organisation, Project, ProjectSettings

ARCHIVED_MESSAGE = "项目已归档，不能调整"


class ProjectError(ValidationError):
    """A project change refused for a reason the user can fix or should read."""


def project_settings(body):
    return ProjectSettings.objects.get_or_create(body=body)[0]


def localdate(now=None):
    return timezone.localdate(now or timezone.now())


def refuse_archived(project):
    if project.status == Project.Status.ARCHIVED:
        raise ProjectError(_(ARCHIVED_MESSAGE))


def is_owner(project, user):
    """Is `user` an account of the project's applying unit?"""
    if not getattr(user, "is_authenticated", False):
        return False
    return project.owner_org.members.filter(pk=user.pk).exists()


def as_owner(project, actor):
    """Mark `actor` as the owner for the flow check when it belongs to the applying unit."""
    if actor is not None and is_owner(project, actor):
        project._flow_owner = actor
    return project


def require_owner(project, actor):
    if actor is not None and not is_owner(project, actor):
        raise PermissionDenied(_("只有申报单位的账号可以执行此操作。"))


def require_staff(project, actor, perm="manage_projects"):
    if actor is not None and not has(actor, perm, project.body):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def organisations_of(user, body):
    """The user's units in `body` (only for holders of take_part)."""
    if not has(user, "take_part", body):
        return Organisation.objects.none()
    return Organisation.objects.filter(body=body, members=user)


def owner_users(project):
    return list(project.owner_org.members.filter(is_active=True).order_by("pk"))


def office_users(project):
    return users_with("manage_projects", project.body)


def project_number(body, year):
    settings = project_settings(body)
    seq = next_sequence(body, "project", year)
    prefix = settings.number_prefix or body.key.upper()
    return f"{prefix}-XM-{year}-{seq:03d}"


def snapshot(project):
    """Everything an approved version fixes: content, period, milestones, team, partners, budget."""
    return {
        "title": project.title, "field": project.field, "goals": project.goals,
        "expected_outputs": project.expected_outputs, "budget_sources": project.budget_sources,
        "starts_on": project.starts_on.isoformat() if project.starts_on else None,
        "ends_on": project.ends_on.isoformat() if project.ends_on else None,
        "lead_name": project.lead_name,
        "milestones": [{"id": m.pk, "title": m.title, "due_on": m.due_on.isoformat()}
                       for m in project.milestones.order_by("order", "due_on", "id")],
        "team": [{"id": t.pk, "name": t.name, "unit_name": t.unit_name, "role": t.role}
                 for t in project.team.order_by("id")],
        "partners": [{"unit_name": p.unit_name, "unit_key": p.unit_key, "role": p.role}
                     for p in project.partners.order_by("id")],
        "budget": [{"item": b.item, "amount": str(b.amount), "source": b.source}
                   for b in project.budget_lines.order_by("id")],
    }


def diff(before, after):
    """{key: {"before": …, "after": …}} for the keys whose value changed."""
    return {k: {"before": before.get(k), "after": after.get(k)}
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def tell(users, kind, project, *, subject, text=None, **kwargs):
    """notify.later for a project: each recipient once, and a text even without a template
    (the subject, pointing to the project page)."""
    from portal import notify

    seen, unique = set(), []
    for u in users:
        if u is not None and u.pk not in seen:
            seen.add(u.pk)
            unique.append(u)
    text = text if text else notify.fmt(gettext_lazy("%(subject)s。详情请登录查看项目页面。"), subject=subject)
    return notify.later(unique, kind, project, body=project.body, subject=subject, text=text, **kwargs)
