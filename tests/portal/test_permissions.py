"""Permission matrix: every role × every body × every staff URL."""
import pytest
from django.urls import reverse

from portal.models import Role
from portal.roles import ROLE_PERMISSIONS
from tests.factories import UserFactory, grant

STAFF_URLS = [
    ("staff-home", "view_staff_area"),
    ("policy-edit", "edit_policy"),
    ("audit-log", "view_audit"),
    ("audit-export", "view_audit"),
]
HOME_BODY = "gd-quality"


def login_with_role(client, bodies, role):
    """A fresh user holding `role` in HOME_BODY only, logged in."""
    user = UserFactory()
    grant(user, bodies[HOME_BODY], role)
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_role_reaches_exactly_its_body_pages(client, bodies, role):
    login_with_role(client, bodies, role)
    for key in bodies:
        for name, perm in STAFF_URLS:
            response = client.get(reverse(name, args=[key]))
            allowed = key == HOME_BODY and perm in ROLE_PERMISSIONS[role]
            assert response.status_code == (200 if allowed else 403), (role, key, name, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n, _perm in STAFF_URLS])
def test_anonymous_is_sent_to_login(client, bodies, name):
    url = reverse(name, args=[HOME_BODY])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_unknown_body_key_is_404(client, bodies):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("staff-home", args=["no-such-body"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_role_admin_page_is_for_site_admins_only(client, bodies, role):
    login_with_role(client, bodies, role)
    assert client.get(reverse("role-admin")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_calendar_page_needs_a_staff_area(client, bodies, role):
    login_with_role(client, bodies, role)
    expected = 200 if "view_staff_area" in ROLE_PERMISSIONS[role] else 403
    assert client.get(reverse("calendar-month")).status_code == expected


@pytest.mark.django_db
def test_staff_of_one_body_sees_no_other_body_in_navbar(client, bodies):
    user = UserFactory()
    grant(user, bodies["xx-random"], Role.SECRETARIAT)
    client.force_login(user)
    html = client.get(reverse("my-tasks")).content.decode()
    assert reverse("staff-home", args=["xx-random"]) in html
    for key in bodies:
        if key != "xx-random":
            assert reverse("staff-home", args=[key]) not in html


@pytest.mark.django_db
def test_every_role_permission_exists_on_body(bodies):
    from django.contrib.auth.models import Permission

    codenames = set(Permission.objects.filter(content_type__model="body").values_list("codename", flat=True))
    for role, perms in ROLE_PERMISSIONS.items():
        assert set(perms) <= codenames, role
