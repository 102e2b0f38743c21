"""Permission matrix of the lifecycle-self staff pages: every role of gd-quality × each page on
gd-quality and on another body; anonymous users are sent to the login page."""
import pytest
from django.urls import reverse

from portal.models import Role
from portal.roles import ROLE_PERMISSIONS
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

PAGES = [
    ("experts:change-list", "manage_experts"),
    ("experts:proposal-completion", "manage_experts"),
    ("experts:report-list", "manage_experts"),
    ("experts:training-list", "manage_experts"),
    ("experts:assessment-list", "manage_experts"),
    ("experts:stats", "view_staff_area"),
    ("experts:stats-export", "view_staff_area"),
]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_its_pages_in_its_own_body(client, pools, role):
    user = UserFactory()
    grant(user, pools["gd-quality"], role)
    client.force_login(user)
    for name, perm in PAGES:
        for key in ("gd-quality", "xx-random"):
            expected = 200 if key == "gd-quality" and perm in ROLE_PERMISSIONS[role] else 403
            assert client.get(reverse(name, args=[key])).status_code == expected, (name, key, role)


@pytest.mark.parametrize("name", [n for n, _p in PAGES])
def test_anonymous_users_go_to_the_login_page(client, pools, name):
    response = client.get(reverse(name, args=["gd-quality"]))
    assert response.status_code == 302 and "/login/" in response.url


def test_self_service_pages_need_a_login(client, pools):
    for name in ("experts:self-dashboard", "experts:self-contact", "experts:self-proposals"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response.url
