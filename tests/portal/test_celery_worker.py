"""A real Celery worker against Redis delivers a notification (not eager mode)."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_on_redis_delivers_a_notification(bodies, monkeypatch):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    from portal import notify
    from celery import Celery
    from portal.models import Delivery
    from tests.factories import UserFactory

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_URL": "consolemail://",
        "DJANGO_DEBUG": "false",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "-n", "test-worker@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    # What production's on_commit hook does, through a producer bound to Redis (the test
    # settings run tasks eagerly; this test must not).
    producer = Celery("test-producer", broker=REDIS_URL)
    monkeypatch.setattr(notify, "_enqueue_many",
                        lambda pks: producer.send_task("portal.deliver_many", args=[pks]))
    try:
        user = UserFactory(email="worker@example.cn")
        (n,) = notify.later([user], "test", None, subject="来自真实 worker", text="hello")
        # autocommit (transaction=True): on_commit ran at once and put the task on Redis
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            status = Delivery.objects.get(notification=n).status
            if status == Delivery.Status.SENT:
                break
            time.sleep(0.3)
        assert status == Delivery.Status.SENT
    finally:
        producer.close()
        worker.terminate()
        try:
            output = worker.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0]
    # the worker (not this process) sent it: its console e-mail backend printed the message
    assert "To: worker@example.cn" in output
    assert "succeeded" in output and "'sent': 1" in output
