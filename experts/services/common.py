"""Helpers shared by the expert-pool services."""
from django.db import transaction
from django.utils import timezone

from ..models import PoolSettings, Sequence


def pool_settings(body):
    return PoolSettings.objects.get_or_create(body=body)[0]


def next_sequence(body, kind, year):
    """The next number of a per-body, per-year counter (row-locked; call inside a transaction)."""
    with transaction.atomic():
        Sequence.objects.get_or_create(body=body, kind=kind, year=year)
        seq = Sequence.objects.select_for_update().get(body=body, kind=kind, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
    return seq.last


def format_number(fmt, *, prefix, year, seq):
    return fmt.format(prefix=prefix, year=year, seq=seq)


def public_fields_text(application):
    """Names of the application's fields of expertise, joined — a public column."""
    return "、".join(f.name_zh for f in application.fields.all())[:300]


def public_snapshot(application):
    """The only applicant data a public page or public PDF may show."""
    profile = application.profile
    return {
        "public_name": profile.name,
        "public_employer": profile.employer,
        "public_title": profile.title,
        "public_fields": public_fields_text(application),
    }


def localdate(now=None):
    return timezone.localdate(now or timezone.now())
