"""Read queries of the portal shell, each a constant number of SQL queries."""
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import AuditEvent, Body, Notification, RoleAssignment


def public_bodies():
    return Body.objects.filter(is_active=True).select_related("policy").order_by("order", "key")


def open_public_notices(limit=10):
    """Open public notices across bodies for the home page. Notices are introduced by the
    expert-intake issue; until an app registers a provider, there are none."""
    from django.apps import apps

    items = []
    for config in apps.get_app_configs():
        provider = getattr(config, "open_public_notices", None)
        if provider:
            items.extend(provider(limit=limit))
    return sorted(items, key=lambda n: n.get("ends_at") or timezone.now())[:limit]


def audit_events(body, *, q="", action="", actor="", date_from=None, date_to=None):
    qs = AuditEvent.objects.filter(body=body).select_related("actor")
    if action:
        qs = qs.filter(action__icontains=action)
    if actor:
        qs = qs.filter(Q(actor_repr__icontains=actor))
    if q:
        qs = qs.filter(Q(target_repr__icontains=q) | Q(action__icontains=q) | Q(actor_repr__icontains=q))
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.combine(date_from, time.min), tz))
    if date_to:
        qs = qs.filter(created_at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz))
    return qs.order_by("-created_at", "-id")


def inbox(user):
    return Notification.objects.filter(user=user).select_related("body").order_by("-created_at", "-id")


def role_assignments():
    return RoleAssignment.objects.select_related("user", "body", "granted_by").order_by(
        "body__order", "role", "user__name")
