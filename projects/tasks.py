"""Celery entry points of projects. Each finds what is due and calls an idempotent service."""
from celery import shared_task
from django.utils import timezone

from .services import project_implementation, project_notice


@shared_task(name="projects.close-due-project-notices")
def close_due_project_notices():
    """Start projects whose notice period ended (24:00 of the last working day) with no
    undecided objection."""
    return project_notice.close_due_notices(now=timezone.now())


@shared_task(name="projects.remind-project-milestones")
def remind_project_milestones():
    """Remind units before a milestone is due and after it is overdue (once each)."""
    return project_implementation.remind_milestones(now=timezone.now())
