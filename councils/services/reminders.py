"""Services behind the daily beat tasks (idempotent: running late or twice changes nothing).

    warn_missing_assembly(*, now)   in December: bodies whose councils held/scheduled fewer plenary
                                    meetings this year than policy.min_assemblies_per_year →
                                    the secretariat is told once per body and year
"""
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import users_with

from ..models import Council, Meeting
from .common import localdate

COUNTED = (Meeting.Status.NOTIFIED, Meeting.Status.IN_PROGRESS, Meeting.Status.CLOSED)


def warn_missing_assembly(*, now=None):
    today = localdate(now)
    if today.month != 12:
        return 0
    warned = 0
    councils = (Council.objects.select_related("body__policy")
                .filter(body__is_active=True, body__policy__min_assemblies_per_year__gt=0)
                .annotate(held=Count("meetings", filter=Q(meetings__kind=Meeting.Kind.PLENARY,
                                                           meetings__status__in=COUNTED,
                                                           meetings__starts_at__year=today.year))))
    per_body = {}
    for c in councils:
        entry = per_body.setdefault(c.body.pk, {"body": c.body, "held": 0, "council": c})
        entry["held"] += c.held
    for entry in per_body.values():
        body, required = entry["body"], entry["body"].policy.min_assemblies_per_year
        if entry["held"] >= required:
            continue
        created = notify.later(
            users_with("manage_council", body), "council_missing_assembly", entry["council"], body=body,
            subject=notify.fmt(gettext_lazy("%(year)d 年尚未召开全体会议"), year=today.year),
            dedupe_key=f"missing-assembly-{body.pk}-{today.year}", year=today.year, held=entry["held"],
            required=required)
        if created:
            audit.record(None, "council.assembly.missing", entry["council"], body=body,
                         data={"year": today.year, "held": entry["held"], "required": required})
            warned += 1
    return warned
