import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from io import BytesIO, StringIO
from openpyxl import load_workbook

from portal import audit
from portal.models import AuditChain, AuditEvent, Role
from tests.factories import UserFactory, grant


@pytest.mark.django_db
def test_events_link_into_one_chain_per_body(bodies):
    a = audit.record(None, "test.one", bodies["gd-quality"], body=bodies["gd-quality"], data={"n": 1})
    b = audit.record(None, "test.two", bodies["gd-quality"], body=bodies["gd-quality"], data={"n": 2})
    c = audit.record(None, "test.other", bodies["cz-nev"], body=bodies["cz-nev"])
    assert (a.seq, b.seq, c.seq) == (1, 2, 1)
    assert a.prev_hash == audit.GENESIS and b.prev_hash == a.hash and c.prev_hash == audit.GENESIS
    assert all(r.ok for r in audit.verify())


@pytest.mark.django_db
def test_verify_detects_a_changed_event(bodies):
    audit.record(None, "test.one", body=bodies["gd-quality"], data={"amount": 1})
    second = audit.record(None, "test.two", body=bodies["gd-quality"], data={"amount": 2})
    audit.record(None, "test.three", body=bodies["gd-quality"])
    AuditEvent.objects.filter(pk=second.pk).update(data={"amount": 3})  # tampering behind the app's back
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=out)
    assert "BROKEN  gd-quality: content does not match its hash" in out.getvalue()


@pytest.mark.django_db
def test_verify_detects_a_deleted_event(bodies):
    audit.record(None, "test.one", body=bodies["jx-base"])
    middle = audit.record(None, "test.two", body=bodies["jx-base"])
    audit.record(None, "test.three", body=bodies["jx-base"])
    AuditEvent.objects.filter(pk=middle.pk).delete()
    report = audit.verify(["jx-base"])[0]
    assert not report.ok and "sequence gap" in report.problem


@pytest.mark.django_db
def test_verify_command_reports_ok(bodies):
    audit.record(None, "test.one", body=None)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "ok      _site: 1 events" in out.getvalue()
    assert AuditChain.objects.get(key="_site").length == 1


@pytest.mark.django_db
def test_audit_log_page_filters_paginates_and_exports(client, bodies):
    staff = UserFactory()
    grant(staff, bodies["gd-quality"], Role.SECRETARIAT)
    for i in range(60):
        audit.record(staff, "policy.update" if i % 2 else "test.other", body=bodies["gd-quality"], data={"i": i})
    audit.record(staff, "test.elsewhere", body=bodies["cz-nev"])
    client.force_login(staff)
    url = reverse("audit-log", args=["gd-quality"])
    page = client.get(url, {"action": "policy.update"})
    assert page.context["page_obj"].paginator.count == 30
    assert "test.elsewhere" not in page.content.decode()
    assert client.get(url, {"page": 2}).context["page_obj"].number == 2
    bad = client.get(url, {"date_from": "2026-02-30"})
    assert "date_from" in bad.context["form"].errors
    export = client.get(reverse("audit-export", args=["gd-quality"]), {"action": "policy.update"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "动作")
    assert len(rows) == 31 and all(r[2] == "policy.update" for r in rows[1:])


@pytest.mark.django_db
def test_audit_log_keeps_a_constant_number_of_queries(client, bodies, django_assert_max_num_queries):
    staff = UserFactory()
    grant(staff, bodies["gd-quality"], Role.SECRETARIAT)
    client.force_login(staff)
    url = reverse("audit-log", args=["gd-quality"])
    with django_assert_max_num_queries(12):
        client.get(url)
    for i in range(80):
        audit.record(UserFactory(), "test.many", body=bodies["gd-quality"], data={"i": i})
    with django_assert_max_num_queries(12):
        client.get(url)


@pytest.mark.django_db
def test_events_recorded_with_a_local_time_still_verify(bodies):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    audit.record(None, "test.local", body=bodies["gd-quality"],
                 now=datetime(2026, 10, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert all(r.ok for r in audit.verify(["gd-quality"]))
