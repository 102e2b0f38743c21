"""Notifications: stored in-app rows, delivered by channels after commit.

    notify.later([user], "role_granted", assignment, body=body, subject="…")

`later` writes one Notification per user and, when the surrounding transaction
commits, enqueues one idempotent Celery task per delivery. Channels are pluggable
(settings.QUORUM_NOTIFICATION_CHANNELS); an SMS gateway implements `Channel`.
"""
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from .models import Delivery, Notification


class Channel(ABC):
    """A delivery channel. `name` is stored on Delivery; `send` returns True when sent,
    False when the user cannot be reached on this channel (e.g. no verified mobile)."""

    name = "base"

    @abstractmethod
    def send(self, notification):
        """Deliver one notification; raise to have the delivery recorded as failed and retried."""


class EmailChannel(Channel):
    name = "email"

    def send(self, notification):
        user = notification.user
        if not user.email or not user.is_active:
            return False
        link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
        text = notification.text + (f"\n\n{link}" if link else "")
        send_mail(notification.subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
        return True


def channels():
    paths = getattr(settings, "QUORUM_NOTIFICATION_CHANNELS", ["portal.notify.EmailChannel"])
    return [import_string(p)() for p in paths]


def channel(name):
    for c in channels():
        if c.name == name:
            return c
    raise LookupError(name)


def _render_text(kind, ctx):
    try:
        return render_to_string(f"notifications/{kind}.txt", ctx).strip()
    except TemplateDoesNotExist:
        return ctx.get("text", "")


def later(users, kind, obj=None, *, body=None, subject, text=None, url=None, dedupe_key="", **ctx):
    """Store notifications now, deliver them after commit. Returns the created rows.
    A non-empty `dedupe_key` makes the call idempotent per (user, kind, key)."""
    created = []
    url = url if url is not None else (obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "")
    for user in users:
        with translation.override(getattr(user, "preferred_language", None) or settings.LANGUAGE_CODE):
            # lazy strings (gettext_lazy, format_lazy) become the recipient's language here
            subject_text = str(subject)
            body_text = str(text) if text is not None else _render_text(
                kind, {"user": user, "object": obj, "body": body, "url": url, **ctx})
        try:
            with transaction.atomic():
                n = Notification.objects.create(
                    user=user, kind=kind, subject=subject_text[:200], text=body_text, url=url or "",
                    body=body, dedupe_key=dedupe_key)
        except IntegrityError:
            continue  # already notified for this key
        for ch in channels():
            delivery = Delivery.objects.create(notification=n, channel=ch.name)
            transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
        created.append(n)
    return created


def _enqueue(delivery_pk):
    from .tasks import deliver

    deliver.delay(delivery_pk)


def deliver_now(delivery_pk, *, now=None):
    """Send one delivery. No-op when it was already sent or another worker holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("notification__user")
            .filter(pk=delivery_pk, status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        try:
            sent = channel(delivery.channel).send(delivery.notification)
        except Exception as exc:  # delivery errors are recorded and retried by the sweep
            delivery.status = Delivery.Status.FAILED
            delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            delivery.status = Delivery.Status.SENT if sent else Delivery.Status.SKIPPED
            delivery.sent_at = now if sent else None
            delivery.error = ""
        delivery.save(update_fields=["status", "attempts", "sent_at", "error"])
    return delivery


def mark_read(user, notification_ids=None, *, now=None):
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=now or timezone.now())
