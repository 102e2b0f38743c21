"""Celery entry points of the expert pool. Each finds what is due and calls a service;
the services are idempotent, so a task may run late or twice."""
from celery import shared_task
from django.utils import timezone

from .services import notices


@shared_task(name="experts.close-due-notices")
def close_due_notices():
    """Close notices whose period ended (24:00 of the last working day): admit candidates
    without an upheld objection, stop upheld ones, keep undecided ones pending."""
    return notices.close_due_notices(now=timezone.now())


@shared_task(name="experts.remind-overdue-objections")
def remind_overdue_objections():
    """Remind the secretariat of accepted objections past their decision deadline (once a day each)."""
    return notices.remind_overdue_objections(now=timezone.now())


@shared_task(name="experts.expire-invitations")
def expire_invitations():
    """Expire draw invitations unanswered by their reply deadline and draw replacements 1:1
    (idempotent: each invitation expires and is replaced once)."""
    from .services import draws

    return draws.expire_due_invitations(now=timezone.now())


# --- lifecycle-self: quarterly proposal reminders ---------------------------------------------


@shared_task(name="experts.remind-quarterly-proposals")
def remind_quarterly_proposals():
    """Remind experts below their body's quarterly proposal quota: once at the start of the
    quarter and once from N working days before its end (one ProposalReminder row each)."""
    from .services import proposals

    return proposals.send_reminders(now=timezone.now())
