import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal import permissions
from portal.models import AuditEvent, Notification, Role, RoleAssignment
from portal.roles import grant_role, revoke_role
from tests.factories import UserFactory


@pytest.mark.django_db
def test_grant_gives_object_permissions_audits_and_notifies(bodies, site_admin, django_capture_on_commit_callbacks):
    user = UserFactory()
    body = bodies["xx-random"]
    with django_capture_on_commit_callbacks(execute=True):
        grant_role(user, body, Role.SUPERVISOR, actor=site_admin)
    assert permissions.has(user, "supervise", body)
    assert not permissions.has(user, "supervise", bodies["gd-quality"])
    assert not permissions.has(user, "edit_policy", body)
    event = AuditEvent.objects.get(action="role.grant", body=body)
    assert event.actor == site_admin and event.data == {"user": user.email, "role": "supervisor"}
    assert Notification.objects.filter(user=user, kind="role_granted").count() == 1


@pytest.mark.django_db
def test_grant_twice_is_a_no_op(bodies, site_admin):
    user = UserFactory()
    grant_role(user, bodies["jx-base"], Role.MEMBER, actor=site_admin)
    grant_role(user, bodies["jx-base"], Role.MEMBER, actor=site_admin)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="role.grant").count() == 1


@pytest.mark.django_db
def test_revoke_keeps_permissions_another_role_still_needs(bodies, site_admin):
    user = UserFactory()
    body = bodies["gd-quality"]
    sec = grant_role(user, body, Role.SECRETARIAT, actor=site_admin)
    grant_role(user, body, Role.APPROVER, actor=site_admin)
    revoke_role(sec, actor=site_admin)
    user = type(user).objects.get(pk=user.pk)  # drop the permission cache
    assert not permissions.has(user, "edit_policy", body)
    assert permissions.has(user, "view_staff_area", body)  # still an approver
    assert permissions.has(user, "approve", body)
    assert AuditEvent.objects.filter(action="role.revoke", body=body).count() == 1


@pytest.mark.django_db
def test_only_site_admins_grant_roles(bodies):
    staff = UserFactory()
    grant_role(staff, bodies["gd-quality"], Role.SECRETARIAT, actor=None)
    with pytest.raises(PermissionDenied):
        grant_role(UserFactory(), bodies["gd-quality"], Role.EXPERT, actor=staff)


@pytest.mark.django_db
def test_role_page_grants_by_email_or_mobile_and_rejects_unknown_user(client, bodies, site_admin):
    target = UserFactory(mobile="13700137000")
    client.force_login(site_admin)
    response = client.post(reverse("role-admin"), {"user": "+86 137-0013-7000", "body": "cz-nev", "role": "member"})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=target, body__key="cz-nev", role="member").exists()
    response = client.post(reverse("role-admin"), {"user": "nobody@example.cn", "body": "cz-nev", "role": "member"})
    assert response.status_code == 200
    assert "没有找到该用户" in response.content.decode()
    assert RoleAssignment.objects.count() == 1


@pytest.mark.django_db
def test_role_page_revokes(client, bodies, site_admin):
    a = grant_role(UserFactory(), bodies["cz-nev"], Role.MEMBER, actor=site_admin)
    client.force_login(site_admin)
    assert client.post(reverse("role-revoke", args=[a.pk])).status_code == 302
    assert not RoleAssignment.objects.exists()
