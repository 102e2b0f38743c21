"""Celery entry points of the portal shell. Each finds what is due and calls a service."""
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import notify, workdays
from .models import Delivery


@shared_task(name="portal.deliver")
def deliver(delivery_pk):
    d = notify.deliver_now(delivery_pk)
    return d.status if d else "noop"


@shared_task(name="portal.deliver_many")
def deliver_many(delivery_pks):
    """A batch of deliveries (as `notify.later` enqueues them): each one is idempotent, sent in
    its own transaction, so a task run twice or cut short sends nothing twice."""
    statuses = {}
    for pk in delivery_pks:
        d = notify.deliver_now(pk)
        key = d.status if d else "noop"
        statuses[key] = statuses.get(key, 0) + 1
    return statuses


MAX_ATTEMPTS = 5


@shared_task(name="portal.retry-pending-deliveries")
def retry_pending_deliveries(min_age_minutes=5):
    """Deliveries whose task was lost or failed are retried (up to MAX_ATTEMPTS)."""
    cutoff = timezone.now() - timedelta(minutes=min_age_minutes)
    ids = list(
        Delivery.objects.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
            attempts__lt=MAX_ATTEMPTS, notification__created_at__lt=cutoff,
        ).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        notify.deliver_now(pk)
    return len(ids)


@shared_task(name="portal.warn-calendar-coverage")
def warn_calendar_coverage():
    """From 1 November, tell site admins when next year's official schedule is missing."""
    return workdays.warn_missing_schedule(now=timezone.now())
