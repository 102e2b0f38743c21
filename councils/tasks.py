"""Celery entry points of councils. Each finds what is due and calls a service; the services
are idempotent, so a task may run late or twice."""
from celery import shared_task
from django.utils import timezone

from .services import reminders, votes


@shared_task(name="councils.close-due-written-votes")
def close_due_written_votes():
    """Close written/online votes whose deadline has passed (tally, result, resolution)."""
    return votes.close_due_written_votes(now=timezone.now())


@shared_task(name="councils.remind-written-votes")
def remind_written_votes():
    """Remind members who have not voted, once, from the working day before the deadline."""
    return votes.remind_written_votes(now=timezone.now())


@shared_task(name="councils.warn-missing-assembly")
def warn_missing_assembly():
    """In December: tell the secretariat of bodies without the required plenary this year (once a year)."""
    return reminders.warn_missing_assembly(now=timezone.now())
