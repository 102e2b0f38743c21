"""notify.later in bulk: constant queries for many recipients, each in their language, dedupe
per (user, kind, key), the per-row fallback on a concurrent duplicate, batched delivery tasks."""
import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext_lazy

from portal import notify
from portal.models import Delivery, Notification
from portal.tasks import deliver_many
from tests.factories import UserFactory


@pytest.mark.django_db
def test_two_hundred_recipients_take_a_constant_number_of_queries(bodies, django_assert_max_num_queries,
                                                                  django_capture_on_commit_callbacks):
    users = [UserFactory(preferred_language="zh-hans" if i % 2 else "en") for i in range(200)]
    # the dedupe lookup, the notifications, their deliveries (plus the savepoint around the inserts)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_max_num_queries(5):
            created = notify.later(users, "test", None, subject=gettext_lazy("表决结果"), text="正文",
                                   dedupe_key="k1")
    assert len(created) == 200 and all(n.pk for n in created)
    assert Delivery.objects.filter(notification__in=created, status=Delivery.Status.PENDING).count() == 200
    assert len(callbacks) == 1  # one hook enqueues the batches
    subjects = dict(Notification.objects.filter(kind="test").values_list("user_id", "subject"))
    assert {subjects[u.pk] for u in users if u.preferred_language == "en"} == {"Vote result"}
    assert {subjects[u.pk] for u in users if u.preferred_language == "zh-hans"} == {"表决结果"}
    # a second call with the same key is one query and makes nothing
    with django_assert_max_num_queries(1):
        assert notify.later(users, "test", None, subject="x", text="", dedupe_key="k1") == []


@pytest.mark.django_db
def test_deliveries_are_enqueued_in_batches_after_commit(bodies, monkeypatch, django_capture_on_commit_callbacks):
    batches = []
    monkeypatch.setattr("portal.tasks.deliver_many.delay", lambda ids: batches.append(list(ids)))
    users = [UserFactory() for _ in range(notify.BATCH + 5)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notify.later(users, "test", None, subject="批量", text="")
    assert batches == []  # nothing before commit
    for cb in callbacks:
        cb()
    assert [len(b) for b in batches] == [notify.BATCH, 5]
    assert sorted(sum(batches, [])) == sorted(Delivery.objects.filter(notification__in=created)
                                              .values_list("pk", flat=True))


@pytest.mark.django_db
def test_deliver_many_is_idempotent(bodies, django_capture_on_commit_callbacks):
    users = [UserFactory(email=f"p{i}@example.cn") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        created = notify.later(users, "test", None, subject="一次", text="")
    assert len(mail.outbox) == 3
    ids = list(Delivery.objects.filter(notification__in=created).values_list("pk", flat=True))
    assert deliver_many(ids) == {"noop": 3}  # run again: nothing sent twice
    assert len(mail.outbox) == 3
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Delivery.Status.SENT}


@pytest.mark.django_db
def test_dedupe_is_per_user_kind_and_key(bodies):
    a, b = UserFactory(), UserFactory()
    assert len(notify.later([a], "calendar", None, subject="s", text="", dedupe_key="2027")) == 1
    # a already has it; b gets it; a listed twice is still notified once
    created = notify.later([a, b, b], "calendar", None, subject="s", text="", dedupe_key="2027")
    assert [n.user for n in created] == [b]
    # another kind or another key is another notification
    assert len(notify.later([a], "other", None, subject="s", text="", dedupe_key="2027")) == 1
    assert len(notify.later([a], "calendar", None, subject="s", text="", dedupe_key="2028")) == 1
    # without a key nothing is deduplicated (as before)
    assert len(notify.later([a, a], "plain", None, subject="s", text="")) == 2


@pytest.mark.django_db
def test_concurrent_duplicate_falls_back_to_one_row_at_a_time(bodies, monkeypatch):
    a, b = UserFactory(), UserFactory()
    # another worker notified `a` after our dedupe lookup (which therefore saw nothing)
    Notification.objects.create(user=a, kind="race", subject="other worker", dedupe_key="k")
    real = Notification.objects.filter

    def stale(*args, **kwargs):
        monkeypatch.setattr(Notification.objects, "filter", real)
        return Notification.objects.none()

    monkeypatch.setattr(Notification.objects, "filter", stale)
    created = notify.later([a, b], "race", None, subject="ours", text="", dedupe_key="k")
    assert [n.user for n in created] == [b]
    assert Notification.objects.get(user=a, kind="race").subject == "other worker"
    assert Delivery.objects.filter(notification__user=b).count() == 1
    assert not Delivery.objects.filter(notification__user=a).exists()


@pytest.mark.django_db
def test_later_each_sends_per_recipient_messages(bodies, django_assert_max_num_queries):
    zh, en = UserFactory(preferred_language="zh-hans"), UserFactory(preferred_language="en")
    with django_assert_max_num_queries(5):
        created = notify.later_each([
            notify.Message(u, "each", None, subject=notify.fmt(gettext_lazy("专家组已齐：%(n)s"), n=f"D-{i}"),
                           text="", dedupe_key=f"each:{i}")
            for i, u in enumerate([zh, en])])
    assert [n.subject for n in created] == ["专家组已齐：D-0", "Panel complete: D-1"]


def test_fmt_formats_in_the_language_active_when_rendered():
    from portal.models import Delivery

    label = notify.fmt(gettext_lazy("表决结果：%(title)s（%(result)s）"), title="年度计划",
                       result=Delivery.Status.SENT.label)
    nested = notify.fmt(gettext_lazy("专家组已齐：%(n)s"), n=label)
    with translation.override("en"):
        assert str(label) == "Vote result: 年度计划 (Sent)"
        assert str(nested).startswith("Panel complete: Vote result")
    with translation.override("zh-hans"):
        assert str(label) == "表决结果：年度计划（已发送）"
    # numbers stay numbers; zero-argument callables (get_FOO_display) are called at render time
    with translation.override("en"):
        assert str(notify.fmt("%(n)d/%(m)s", n=3, m=lambda: gettext_lazy("已发送"))) == "3/Sent"


@pytest.mark.django_db
def test_backends_without_returning_bulk_inserts_use_the_per_row_path(bodies, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    from django.db import connection

    monkeypatch.setattr(connection.features, "can_return_rows_from_bulk_insert", False)
    a, b = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = notify.later([a, b, a], "old-db", None, subject="s", text="", dedupe_key="k")
    assert [n.user for n in created] == [a, b] and all(n.pk for n in created)
    assert Delivery.objects.filter(notification__in=created, status=Delivery.Status.SENT).count() == 2
