"""Celery entry point of the comment rounds: close rounds at their deadline (idempotent)."""
from celery import shared_task
from django.utils import timezone

from .services import comments


@shared_task(name="projects.close-due-comment-rounds")
def close_due_comment_rounds():
    """Close comment rounds whose deadline (24:00 of the last working day) passed; staff are told."""
    return comments.close_due_rounds(now=timezone.now())
