"""Laptop settings for `make run`: embedded SQLite and embedded Celery broker by default."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
