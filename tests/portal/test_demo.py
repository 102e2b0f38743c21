import pytest
from django.core.management import call_command
from io import StringIO

from portal.models import AuditEvent, Body, RoleAssignment, User


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = (Body.objects.count(), User.objects.count(), RoleAssignment.objects.count(), AuditEvent.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert counts == (Body.objects.count(), User.objects.count(), RoleAssignment.objects.count(),
                      AuditEvent.objects.count())
    assert counts[0] == 5
    assert set(Body.objects.values_list("key", flat=True)) == {"jm-storage", "gd-quality", "xx-random", "cz-nev",
                                                             "jx-base"}
    text = out.getvalue()
    assert "admin@demo.quorum.cn" in text and "quorum-demo-2026" in text
    for role in ("secretariat", "approver", "supervisor", "member", "expert"):
        assert role in text


@pytest.mark.django_db
def test_seed_demo_keeps_staff_policy_edits_unless_reset():
    call_command("seed_demo", stdout=StringIO())
    Body.objects.get(key="gd-quality").policy.__class__.objects.filter(body__key="gd-quality").update(
        notice_workdays=9)
    call_command("seed_demo", stdout=StringIO())
    assert Body.objects.get(key="gd-quality").policy.notice_workdays == 9
    call_command("seed_demo", "--reset-policy", stdout=StringIO())
    assert Body.objects.get(key="gd-quality").policy.notice_workdays == 7


@pytest.mark.django_db
def test_seed_scale_bulk_creates_users():
    out = StringIO()
    call_command("seed_scale", "--users", "300", stdout=out)
    assert User.objects.filter(email__startswith="scale-").count() == 300
    assert RoleAssignment.objects.filter(user__email__startswith="scale-").count() == 300
    call_command("seed_scale", "--users", "10", stdout=StringIO())
    assert User.objects.filter(email__startswith="scale-").count() == 310
