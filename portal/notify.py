"""Notifications: stored in-app rows, delivered by channels after commit.

    notify.later([user], "role_granted", assignment, body=body, subject="…")

`later` writes one Notification per user (in bulk, each in the recipient's language) and,
when the surrounding transaction commits, enqueues idempotent Celery tasks for the deliveries
in batches. `later_each` does the same for per-recipient messages; `fmt` builds a subject or
text that is formatted lazily, in the recipient's language. Channels are pluggable
(settings.QUORUM_NOTIFICATION_CHANNELS); an SMS gateway implements `Channel`.
"""
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
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
        return str(ctx.get("text", ""))


def _param(value):
    """A format parameter as the current language shows it: lazy strings (gettext_lazy,
    choice labels, nested `fmt`) and zero-argument callables (e.g. `motion.get_result_display`)
    are evaluated now; anything else is left as is (so %(n)d still gets a number)."""
    if callable(value) and not isinstance(value, Promise):
        value = value()
    return str(value) if isinstance(value, Promise) else value


def _format(template, params):
    return str(template) % {k: _param(v) for k, v in params.items()}


_lazy_format = lazy(_format, str)


def fmt(template, /, **params):
    """`template % params`, evaluated when the result is turned into a string, in the language
    active then. `notify.later` renders each recipient's subject and text in the recipient's
    language, so write

        subject=notify.fmt(gettext_lazy("表决结果：%(title)s（%(result)s）"),
                           title=motion.title, result=motion.get_result_display)

    instead of `_("…") % {...}`, which would be frozen in the acting user's language. Lazy
    parameters (gettext_lazy, choice labels, another `fmt`) and zero-argument callables such as
    `get_FOO_display` are rendered in that language too."""
    return _lazy_format(template, params)


class Message:
    """One notification to one user, as `later_each` takes it (per-recipient subject, text,
    dedupe key…). `later(users, …)` is `later_each` with one Message per user."""

    __slots__ = ("user", "kind", "obj", "body", "subject", "text", "url", "dedupe_key", "ctx")

    def __init__(self, user, kind, obj=None, *, body=None, subject, text=None, url=None, dedupe_key="", **ctx):
        self.user, self.kind, self.obj, self.body = user, kind, obj, body
        self.subject, self.text, self.dedupe_key, self.ctx = subject, text, dedupe_key or "", ctx
        self.url = url if url is not None else (obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "")


def later(users, kind, obj=None, *, body=None, subject, text=None, url=None, dedupe_key="", **ctx):
    """Store notifications now, deliver them after commit. Returns the created rows.
    A non-empty `dedupe_key` makes the call idempotent per (user, kind, key).
    Subject and text may be lazy (gettext_lazy, `fmt`): each recipient gets them in their language.
    Set-based: a constant number of queries whatever the number of users."""
    users = list(users)
    if not users:
        return []
    url = url if url is not None else (obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "")
    return later_each([Message(user, kind, obj, body=body, subject=subject, text=text, url=url,
                               dedupe_key=dedupe_key, **ctx) for user in users])


def later_each(messages):
    """Store one notification per Message (rendered in its recipient's language) and deliver
    them after commit. Messages whose (user, kind, dedupe key) was already notified are skipped.
    Queries: one for the existing dedupe keys, one INSERT of the notifications, one of their
    deliveries; the deliveries are enqueued after commit in batches (`portal.deliver_many`).
    A concurrent duplicate (IntegrityError) falls back to one row at a time, skipping it."""
    messages = list(messages)
    keyed = [m for m in messages if m.dedupe_key]
    done = set()
    if keyed:
        done = set(Notification.objects.filter(
            user_id__in={m.user.pk for m in keyed}, kind__in={m.kind for m in keyed},
            dedupe_key__in={m.dedupe_key for m in keyed},
        ).order_by().values_list("user_id", "kind", "dedupe_key"))
    notes = []
    for m in messages:
        if m.dedupe_key:
            key = (m.user.pk, m.kind, m.dedupe_key)
            if key in done:
                continue
            done.add(key)  # the same user twice in one call is notified once, as before
        notes.append(_build(m))
    if not notes:
        return []
    names = [ch.name for ch in channels()]
    if connection.features.can_return_rows_from_bulk_insert:
        try:
            # a savepoint only where a concurrent duplicate can break the insert (a dedupe key)
            with transaction.atomic(savepoint=bool(keyed)):
                Notification.objects.bulk_create(notes)
                deliveries = Delivery.objects.bulk_create(
                    [Delivery(notification=n, channel=name) for n in notes for name in names])
        except IntegrityError:  # notified concurrently: redo one by one, skipping the duplicates
            for n in notes:
                n.pk = None
                n._state.adding = True
        else:
            _enqueue_on_commit([d.pk for d in deliveries])
            return notes
    return _create_one_by_one(notes, names)


def _build(m):
    with translation.override(getattr(m.user, "preferred_language", None) or settings.LANGUAGE_CODE):
        # lazy strings (gettext_lazy, fmt) become the recipient's language here
        subject = str(m.subject)
        text = str(m.text) if m.text is not None else _render_text(
            m.kind, {"user": m.user, "object": m.obj, "body": m.body, "url": m.url, **m.ctx})
    return Notification(user=m.user, kind=m.kind, subject=subject[:200], text=text, url=m.url or "",
                        body=m.body, dedupe_key=m.dedupe_key)


def _create_one_by_one(notes, names):
    created, ids = [], []
    for n in notes:
        try:
            with transaction.atomic():
                n.save(force_insert=True)
        except IntegrityError:
            continue  # already notified for this key
        ids += [Delivery.objects.create(notification=n, channel=name).pk for name in names]
        created.append(n)
    _enqueue_on_commit(ids)
    return created


BATCH = 100  # deliveries per `portal.deliver_many` task


def _enqueue_on_commit(delivery_ids):
    if delivery_ids:
        transaction.on_commit(lambda ids=tuple(delivery_ids): _enqueue_many(list(ids)))


def _enqueue_many(delivery_ids):
    from .tasks import deliver_many

    for i in range(0, len(delivery_ids), BATCH):
        deliver_many.delay(delivery_ids[i:i + BATCH])


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
