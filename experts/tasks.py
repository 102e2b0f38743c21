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


@shared_task(name="experts.send-invitations")
def send_invitations(invitation_ids):
    """Hand freshly drawn invitations to the invitation channel (in-app notification, e-mail
    with the signed link): enqueued by the draw after its commit, so that the supervisor's
    request does not wait for ten messages to be rendered. Idempotent per invitation (the
    notifications carry a dedupe key): a retry or a second run sends nothing twice."""
    from .services.invitations import send_invitation_ids

    return len(send_invitation_ids(list(invitation_ids)))


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
# --- lifecycle-exit: exit cases, age triggers, term reminders, lapse, renewals -------------------


@shared_task(name="experts.open-exit-cases")
def open_exit_cases():
    """Open an exit case for every unresolved exit trigger that has none (idempotent sweep)."""
    from .services import exits

    return exits.open_cases_for_open_triggers(now=timezone.now())


@shared_task(name="experts.raise-age-triggers")
def raise_age_triggers():
    """Daily: propose the exit of members over the body's age limit (one trigger each)."""
    from .services import exits

    return exits.raise_age_triggers(now=timezone.now())


@shared_task(name="experts.remind-term-ends")
def remind_term_ends():
    """Daily: remind experts and staff 60 and 30 days before a term ends (each once)."""
    from .services import terms

    return terms.send_term_reminders(now=timezone.now())


@shared_task(name="experts.lapse-ended-terms")
def lapse_ended_terms():
    """Daily: memberships whose term ended (and were not renewed) lapse the next day."""
    from .services import terms

    return terms.lapse_due_memberships(now=timezone.now())


@shared_task(name="experts.complete-renewals")
def complete_renewals():
    """Renew memberships whose renewal notice period ended."""
    from .services import terms

    return terms.complete_due_renewals(now=timezone.now())


@shared_task(name="experts.check-pool-index")
def check_pool_index():
    """Nightly: compare the draw's candidate index with the memberships and rebuild it if it
    drifted (idempotent; a no-op when in step, and on SQLite). Returns what it found."""
    from .draws import index

    found = index.check_and_repair()
    return {"missing": found.missing, "extra": found.extra, "sizes": [list(s) for s in found.sizes]}
