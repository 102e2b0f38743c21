"""No personal data on public pages or public PDFs: candidates' ID number, phone, e-mail,
address and birth date, and objectors' identity, never reach a public response."""
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from experts.models import Application, Objection
from experts.services import notices as services
from tests.experts.factories import ProfileFactory, make_application
from tests.experts.test_notices import staff
from tests.experts.test_objections import pdf_text
from tests.factories import UserFactory

BIRTH = date(1961, 7, 23)
PRIVATE_MARKERS = {
    "id_number": "44010419610723888X",
    "phone": "13577775555",
    "email": "marker-private-mail@example.cn",
    "address": "标记路九九九号私密地址",
    "birth_date": BIRTH,
}
# every way a birth date could be printed
BIRTH_SPELLINGS = ["1961-07-23", "1961年7月23日", "1961/07/23", "19610723", "July 23, 1961", "23 Jul 1961"]
OBJECTOR = {"name": "异议人周标记", "contact": "13266664444", "email": "objector-marker@example.cn"}


def markers():
    strings = [v for k, v in PRIVATE_MARKERS.items() if k != "birth_date"]
    return strings + BIRTH_SPELLINGS + list(OBJECTOR.values())


def assert_no_marker(text, where):
    for marker in markers():
        assert marker not in text, f"{marker!r} leaked on {where}"


@pytest.fixture
def published(pools):
    cache.clear()
    gd = pools["gd-quality"]
    user = UserFactory(email=PRIVATE_MARKERS["email"])
    profile = ProfileFactory(user=user, name="隐私测试人", employer="公开单位研究院", title="正高级工程师",
                             **PRIVATE_MARKERS)
    app = make_application(gd, status=Application.Status.APPROVED, profile=profile)
    notice = services.publish_notice(gd, [app], actor=staff(gd), now=timezone.now())
    services.file_objection(notice, notice.entries.get(), name=OBJECTOR["name"], contact=OBJECTOR["contact"],
                            email=OBJECTOR["email"], facts="该人选的工作单位填写不实，请核查。")
    return notice


@pytest.mark.django_db
def test_public_pages_show_no_private_data(client, published):
    entry = published.entries.get()
    pages = {
        "/": reverse("home"),
        "/notices/": reverse("experts:notice-list"),
        "/notices/<pk>/": reverse("experts:notice-detail", args=[published.pk]),
        "objection form": reverse("experts:objection-new", args=[published.pk]) + f"?entry={entry.pk}",
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_no_marker(response.content.decode(), where)
    detail = client.get(pages["/notices/<pk>/"]).content.decode()
    assert "隐私测试人" in detail and "公开单位研究院" in detail and "正高级工程师" in detail


@pytest.mark.django_db
def test_notice_pdf_shows_no_private_data(client, published):
    response = client.get(reverse("experts:notice-pdf", args=[published.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "隐私测试人" in text
    assert_no_marker(text, "notice PDF")
    assert_no_marker(response.content.decode("latin-1"), "notice PDF bytes")


@pytest.mark.django_db
def test_objection_receipt_page_shows_no_identity(client, published):
    entry = published.entries.get()
    response = client.post(reverse("experts:objection-new", args=[published.pk]), {
        "entry": entry.pk, "name": OBJECTOR["name"], "contact": OBJECTOR["contact"], "email": OBJECTOR["email"],
        "facts": "该人选的职称信息填写不实，请核查。", "consent": "on"})
    assert response.status_code == 302
    receipt = client.get(response["Location"]).content.decode()
    assert Objection.objects.latest("pk").receipt_no in receipt
    assert_no_marker(receipt, "objection receipt")
    # and the notice page after objections stays clean
    assert_no_marker(client.get(reverse("experts:notice-detail", args=[published.pk])).content.decode(),
                     "notice page after objections")
