import pytest
from django.urls import reverse

from portal import notify
from tests.factories import UserFactory


@pytest.mark.django_db
def test_home_lists_the_five_bodies_and_says_no_notices_plainly(client, bodies):
    html = client.get(reverse("home")).content.decode()
    for body in bodies.values():
        assert body.name_zh in html
    assert 'data-testid="no-notices"' in html
    assert "lorem" not in html.lower()


@pytest.mark.django_db
def test_english_is_available(client, bodies):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in html
    assert bodies["jx-base"].name_en in html


@pytest.mark.django_db
@pytest.mark.parametrize("url_name, args", [("home", []), ("body-detail", ["gd-quality"]), ("body-list", [])])
def test_public_pages_keep_constant_queries(client, bodies, url_name, args, django_assert_max_num_queries):
    url = reverse(url_name, args=args)
    with django_assert_max_num_queries(3):
        client.get(url)
    user = UserFactory()
    for i in range(30):
        notify.later([user], "x", None, subject=str(i), text="")
    client.force_login(user)
    with django_assert_max_num_queries(8):
        client.get(url)


@pytest.mark.django_db
def test_static_assets_are_local(client, bodies):
    html = client.get(reverse("home")).content.decode()
    assert "cdn" not in html.lower() and "https://" not in html.split("<body")[0]


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz").content == b"ok"
