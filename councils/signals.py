"""Signals of the councils app.

`motion_closed` is sent by `councils.services.votes.close_motion` after the transaction
commits, with kwargs `motion=` and `passed=` (bool). The projects app listens to it for
motions whose generic `subject` is one of its objects.
"""
from django.dispatch import Signal

motion_closed = Signal()
