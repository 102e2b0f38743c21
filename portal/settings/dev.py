"""Laptop settings for `make run`: embedded SQLite and embedded Celery broker by default."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The embedded laptop setup keeps beat's schedule in a file (var/celerybeat-schedule): the
# database scheduler and SQLite's single writer do not mix well. Production uses the database.
CELERY_BEAT_SCHEDULER = env("CELERY_BEAT_SCHEDULER", default="celery.beat:PersistentScheduler")
