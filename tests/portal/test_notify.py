import pytest
from django.core import mail
from django.urls import reverse

from portal import notify
from portal.models import Delivery, Notification
from portal.tasks import retry_pending_deliveries
from tests.factories import UserFactory


@pytest.mark.django_db
def test_notification_is_stored_and_emailed_after_commit(bodies, django_capture_on_commit_callbacks):
    user = UserFactory(email="li@example.cn")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (n,) = notify.later([user], "test", None, subject="测试通知", text="正文", url="/inbox/")
    assert len(mail.outbox) == 0  # nothing leaves before commit
    for cb in callbacks:
        cb()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li@example.cn"] and mail.outbox[0].subject == "测试通知"
    assert "http://127.0.0.1:8000/inbox/" in mail.outbox[0].body
    assert Delivery.objects.get(notification=n).status == Delivery.Status.SENT


@pytest.mark.django_db
def test_delivery_runs_once_even_when_the_task_runs_twice(bodies, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify.later([user], "test", None, subject="一次", text="")
    delivery = Delivery.objects.get(notification=n)
    assert notify.deliver_now(delivery.pk) is None  # already sent: no-op
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_dedupe_key_makes_later_idempotent(bodies):
    user = UserFactory()
    notify.later([user], "calendar", None, subject="a", text="", dedupe_key="2027")
    notify.later([user], "calendar", None, subject="a", text="", dedupe_key="2027")
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_failed_delivery_is_recorded_and_retried(bodies, settings, monkeypatch):
    user = UserFactory()
    (n,) = notify.later([user], "test", None, subject="重试", text="")
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("smtp down")
        return 1

    monkeypatch.setattr("portal.notify.send_mail", flaky)
    d = notify.deliver_now(Delivery.objects.get(notification=n).pk)
    assert d.status == Delivery.Status.FAILED and "smtp down" in d.error
    Notification.objects.filter(pk=n.pk).update(created_at=n.created_at.replace(year=2020))
    assert retry_pending_deliveries() == 1
    assert Delivery.objects.get(notification=n).status == Delivery.Status.SENT


@pytest.mark.django_db
def test_sms_channel_can_plug_in(bodies, settings):
    sent = []

    class FakeSms(notify.Channel):
        name = "sms"

        def send(self, notification):
            if not notification.user.mobile:
                return False
            sent.append(notification.user.mobile)
            return True

    settings.QUORUM_NOTIFICATION_CHANNELS = ["portal.notify.EmailChannel", "tests.portal.test_notify.FakeSmsRef"]
    globals()["FakeSmsRef"] = FakeSms
    with_mobile, without = UserFactory(mobile="13600136000"), UserFactory()
    for user in (with_mobile, without):
        (n,) = notify.later([user], "test", None, subject="短信", text="")
        for d in n.deliveries.all():
            notify.deliver_now(d.pk)
    assert sent == ["13600136000"]
    assert Delivery.objects.filter(channel="sms", status="skipped").count() == 1


@pytest.mark.django_db
def test_inbox_unread_count_and_mark_read(client, bodies):
    user = UserFactory()
    for i in range(3):
        notify.later([user], "test", None, subject=f"消息{i}", text="")
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="unread-count">3<' in html
    first = Notification.objects.filter(user=user).first()
    client.post(reverse("inbox-read"), {"id": [first.pk]})
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 2
    client.post(reverse("inbox-read"))
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()
