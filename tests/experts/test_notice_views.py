"""Pages of notices and objections: public list/detail/PDF/objection form (no login, rate
limit, closed notices, random input), staff publishing and objection handling."""
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from experts.models import Application, Notice, Objection
from experts.services import notices as services
from portal.models import Role
from tests.experts.factories import make_application
from tests.experts.test_notices import approved, at, objection, publish, staff
from tests.experts.test_objections import PDF_BYTES, pdf_text
from tests.factories import UserFactory

S = Application.Status


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


@pytest.fixture
def open_notice(gd):
    """A notice open right now (published today)."""
    return publish(gd, approved(gd, 2), now=timezone.now())


def valid_post(entry, **overrides):
    data = {"entry": str(entry.pk), "name": "张三", "contact": "13800000000", "email": "",
            "facts": "该人选并未在所填单位工作，申报材料不实。", "consent": "on"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------
# public list and page


@pytest.mark.django_db
def test_notice_list_is_public_and_shows_open_notices_before_closed(client, gd, pools):
    closed = publish(gd, approved(gd), now=at(2026, 3, 2))
    services.close_due_notices(now=at(2026, 4, 1))
    current = publish(gd, approved(gd), now=timezone.now())
    response = client.get(reverse("experts:notice-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(current.title + "</a>") < html.index(closed.number)
    assert "公示中" in html and "已结束" in html


@pytest.mark.django_db
def test_notice_list_filters_by_body(client, gd, pools):
    xx = pools["xx-random"]
    mine = publish(xx, approved(xx), now=timezone.now())
    other = publish(gd, approved(gd), now=timezone.now())
    html = client.get(reverse("experts:notice-list"), {"body": "xx-random"}).content.decode()
    assert mine.number in html and other.number not in html


@pytest.mark.django_db
def test_notice_list_keeps_a_constant_number_of_queries(client, gd, django_assert_max_num_queries):
    publish(gd, approved(gd), now=timezone.now())
    with django_assert_max_num_queries(4):
        assert client.get(reverse("experts:notice-list")).status_code == 200
    for _i in range(30):
        publish(gd, approved(gd, 2), now=timezone.now())
    with django_assert_max_num_queries(4):
        response = client.get(reverse("experts:notice-list"))
    assert len(response.context["notices"]) == 20  # paginated by 20


@pytest.mark.django_db
def test_notice_page_shows_period_candidates_rules_and_objection_links(client, gd):
    notice = publish(gd, approved(gd, 2), now=at(2026, 9, 30))
    with time_machine.travel(at(2026, 10, 9), tick=False):
        response = client.get(reverse("experts:notice-detail", args=[notice.pk]))
    html = response.content.decode()
    assert notice.title in html and notice.number in html
    assert "2026年10月15日 24:00" in html
    assert "15 个工作日内作出处理决定" in html
    for entry in notice.entries.all():
        assert entry.public_name in html and entry.public_employer in html
        assert f'{reverse("experts:objection-new", args=[notice.pk])}?entry={entry.pk}' in html
    assert "暂定" not in html


@pytest.mark.django_db
def test_notice_page_marks_a_provisional_period(client, gd):
    notice = publish(gd, approved(gd), now=at(2026, 12, 28))
    html = client.get(reverse("experts:notice-detail", args=[notice.pk])).content.decode()
    assert notice.provisional and "暂定" in html


@pytest.mark.django_db
def test_notice_page_has_no_objection_links_after_the_end(client, gd):
    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    html = client.get(reverse("experts:notice-detail", args=[notice.pk])).content.decode()
    assert reverse("experts:objection-new", args=[notice.pk]) not in html
    assert "公示期已满" in html


@pytest.mark.django_db
def test_notice_pdf_is_public_with_the_candidates(client, open_notice):
    response = client.get(reverse("experts:notice-pdf", args=[open_notice.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert open_notice.title in text
    for entry in open_notice.entries.all():
        assert entry.public_name in text


# ---------------------------------------------------------------------------
# public objection form


@pytest.mark.django_db
def test_objection_form_preselects_the_candidate_and_needs_no_login(client, open_notice):
    entry = open_notice.entries.order_by("order").last()
    response = client.get(reverse("experts:objection-new", args=[open_notice.pk]), {"entry": entry.pk})
    assert response.status_code == 200
    assert response.context["form"]["entry"].value() == entry.pk


@pytest.mark.django_db
def test_filing_an_objection_shows_a_receipt_number(client, open_notice):
    entry = open_notice.entries.first()
    url = reverse("experts:objection-new", args=[open_notice.pk])
    response = client.post(url, valid_post(entry), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:objection-receipt", args=[open_notice.pk])
    obj = Objection.objects.get()
    assert (obj.entry, obj.objector_name, str(obj.ip), obj.objector_user) == (entry, "张三", "203.0.113.7", None)
    html = client.get(response["Location"]).content.decode()
    assert obj.receipt_no in html


@pytest.mark.django_db
def test_receipt_page_shows_nothing_to_another_visitor(client, open_notice):
    response = client.get(reverse("experts:objection-receipt", args=[open_notice.pk]))
    assert response.status_code == 302 and response["Location"] == open_notice.get_absolute_url()


@pytest.mark.django_db
def test_logged_in_objector_is_linked(client, open_notice):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("experts:objection-new", args=[open_notice.pk]), valid_post(open_notice.entries.first()))
    assert Objection.objects.get().objector_user == user


@pytest.mark.django_db
def test_bad_objection_gets_messages_per_field_and_writes_nothing(client, open_notice):
    response = client.post(reverse("experts:objection-new", args=[open_notice.pk]), {
        "entry": "999999", "name": "", "contact": "abc", "email": "x@", "facts": "短", "consent": ""})
    form = response.context["form"]
    assert set(form.errors) == {"entry", "name", "contact", "email", "facts", "consent"}
    assert form.errors["contact"] == ["请填写有效的电话号码或电子邮箱。"]
    assert Objection.objects.count() == 0


@pytest.mark.django_db
def test_evidence_upload_must_be_pdf_jpg_or_png(client, open_notice):
    url = reverse("experts:objection-new", args=[open_notice.pk])
    data = valid_post(open_notice.entries.first())
    bad = client.post(url, {**data, "evidence": SimpleUploadedFile("a.pdf", b"<html>not a pdf</html>")})
    assert "evidence" in bad.context["form"].errors and Objection.objects.count() == 0
    good = client.post(url, {**data, "evidence": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert good.status_code == 302 and Objection.objects.get().evidence.name.endswith(".pdf")


@pytest.mark.django_db
def test_objection_after_the_end_is_refused_with_the_end_date(client, gd):
    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    url = reverse("experts:objection-new", args=[notice.pk])
    entry = notice.entries.get()
    with time_machine.travel(notice.ends_at - timedelta(minutes=1), tick=False):
        assert client.post(url, valid_post(entry)).status_code == 302
    with time_machine.travel(notice.ends_at, tick=False):
        response = client.post(url, valid_post(entry))
    assert "公示已于 2026年10月15日 24:00 结束" in response.content.decode()
    assert Objection.objects.count() == 1


@pytest.mark.django_db
def test_objections_are_rate_limited_per_ip(client, open_notice):
    url = reverse("experts:objection-new", args=[open_notice.pk])
    entry = open_notice.entries.first()
    for _i in range(5):
        assert client.post(url, valid_post(entry), REMOTE_ADDR="198.51.100.1").status_code == 302
    response = client.post(url, valid_post(entry), REMOTE_ADDR="198.51.100.1")
    assert response.context["form"].non_field_errors() == ["提交过于频繁，请稍后再试。"]
    assert Objection.objects.count() == 5
    assert client.post(url, valid_post(entry), REMOTE_ADDR="198.51.100.2").status_code == 302


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.fixed_dictionaries({
    "entry": st.one_of(st.text(max_size=12), st.integers(-5, 10**12).map(str)),
    "name": st.text(max_size=150),
    "contact": st.one_of(st.text(max_size=120), st.from_regex(r"\A1[3-9][0-9]{9}\Z")),
    "email": st.one_of(st.text(max_size=80), st.emails()),
    "facts": st.text(max_size=300),
    "consent": st.sampled_from(["on", "", "false", "1"]),
}), evidence=st.one_of(st.none(), st.binary(max_size=64)))
def test_random_objection_input_never_breaks_the_form(client, open_notice, data, evidence):
    cache.clear()
    payload = dict(data)
    if evidence is not None:
        payload["evidence"] = SimpleUploadedFile("upload.bin", evidence)
    before = Objection.objects.count()
    response = client.post(reverse("experts:objection-new", args=[open_notice.pk]), payload)
    assert response.status_code in (200, 302)
    assert Objection.objects.count() == before + (1 if response.status_code == 302 else 0)


# ---------------------------------------------------------------------------
# staff: publishing


@pytest.mark.django_db
def test_publish_page_needs_manage_experts(client, gd):
    url = reverse("experts:notice-publish", args=["gd-quality"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(staff(gd, Role.APPROVER))
    assert client.get(url).status_code == 403
    client.force_login(staff(gd, Role.SECRETARIAT))
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_publish_page_previews_the_period_and_defaults(client, gd):
    apps = approved(gd, 2)
    make_application(gd, status=S.FORWARDED)
    client.force_login(staff(gd))
    with time_machine.travel(at(2026, 9, 30, 9), tick=False):
        response = client.get(reverse("experts:notice-publish", args=["gd-quality"]))
    html = response.content.decode()
    form = response.context["form"]
    assert sorted(form["applications"].initial) == sorted(a.pk for a in apps)
    assert [a.pk for a in form.fields["applications"].queryset] == [a.pk for a in apps]
    assert form["title"].initial == "广东省质量发展智库入库人选公示（2026年）"
    assert "2026年10月15日 24:00" in html and "7 个工作日" in html


@pytest.mark.django_db
def test_publishing_from_the_page_creates_the_notice(client, gd):
    apps = approved(gd, 3)
    client.force_login(staff(gd))
    response = client.post(reverse("experts:notice-publish", args=["gd-quality"]), {
        "applications": [apps[0].pk, apps[2].pk], "title": "2026年第二批入库人选公示", "text": "现予公示。"})
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == notice.get_absolute_url()
    assert notice.title == "2026年第二批入库人选公示" and notice.text == "现予公示。"
    assert sorted(notice.entries.values_list("application_id", flat=True)) == [apps[0].pk, apps[2].pk]
    assert Application.objects.get(pk=apps[1].pk).status == S.APPROVED


@pytest.mark.django_db
def test_publishing_nothing_is_refused_on_the_form(client, gd):
    approved(gd)
    client.force_login(staff(gd))
    response = client.post(reverse("experts:notice-publish", args=["gd-quality"]), {"title": "x", "text": ""})
    assert response.context["form"].errors["applications"] == ["请至少选择一名拟入库人选。"]
    assert Notice.objects.count() == 0


# ---------------------------------------------------------------------------
# staff: objections


@pytest.fixture
def filed(gd):
    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    return objection(notice, notice.entries.get(), now=at(2026, 10, 9), name="钱保密", contact="13711112222")


@pytest.mark.django_db
def test_objection_pages_are_for_the_bodys_staff_only(client, pools, filed):
    urls = [reverse("experts:objection-list", args=["gd-quality"]),
            reverse("experts:objection-detail", args=["gd-quality", filed.pk])]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(staff(pools["xx-random"]))
    for url in urls:
        assert client.get(url).status_code == 403
    client.force_login(staff(pools["xx-random"]))
    assert client.get(reverse("experts:objection-detail", args=["xx-random", filed.pk])).status_code == 404


@pytest.mark.django_db
def test_supervisor_reads_objections_but_cannot_act(client, gd, filed):
    client.force_login(staff(gd, Role.SUPERVISOR))
    html = client.get(reverse("experts:objection-detail", args=["gd-quality", filed.pk])).content.decode()
    assert "钱保密" in html and "只读" in html
    assert reverse("experts:objection-accept", args=["gd-quality", filed.pk]) not in html
    response = client.post(reverse("experts:objection-accept", args=["gd-quality", filed.pk]),
                           {"accept-reason": "予以受理。"})
    assert response.status_code == 403
    assert Objection.objects.get(pk=filed.pk).status == Objection.Status.FILED


@pytest.mark.django_db
def test_staff_accept_and_decide_through_the_pages(client, gd, filed):
    client.force_login(staff(gd))
    detail = reverse("experts:objection-detail", args=["gd-quality", filed.pk])
    html = client.get(detail).content.decode()
    assert "钱保密" in html and "13711112222" in html
    empty = client.post(reverse("experts:objection-accept", args=["gd-quality", filed.pk]), {"accept-reason": ""})
    assert "reason" in empty.context["accept_form"].errors
    with time_machine.travel(at(2026, 10, 9, 15), tick=False):
        response = client.post(reverse("experts:objection-accept", args=["gd-quality", filed.pk]),
                               {"accept-reason": "事实具体，予以受理。"})
    assert response.status_code == 302 and response["Location"] == detail
    filed.refresh_from_db()
    assert filed.status == Objection.Status.ACCEPTED
    html = client.get(detail).content.decode()
    assert reverse("experts:objection-decide", args=["gd-quality", filed.pk]) in html
    assert "2026年10月29日 24:00" in html
    response = client.post(reverse("experts:objection-decide", args=["gd-quality", filed.pk]),
                           {"decide-outcome": "upheld", "decide-reason": "经核实，所述情况属实。"})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == Objection.Status.UPHELD
    assert filed.entry.application.status == S.STOPPED
    letter = client.get(reverse("experts:objection-letter", args=["gd-quality", filed.pk]) + "?to=objector")
    assert letter["Content-Type"] == "application/pdf" and "钱保密" in pdf_text(letter.content)


@pytest.mark.django_db
def test_overdue_objections_are_flagged_in_red_with_text(client, gd, filed):
    services.accept_objection(filed, actor=staff(gd), reason="予以受理。", now=at(2026, 10, 9, 15))
    client.force_login(staff(gd))
    html = client.get(reverse("experts:objection-list", args=["gd-quality"])).content.decode()
    assert 'class="table-danger"' in html and "已超期" in html
    assert "2026年10月29日 24:00" in html  # 15 working days after Fri 9 Oct: 10 (make-up Sat), 12–16, 19–23, 26–29


@pytest.mark.django_db
def test_objection_list_keeps_a_constant_number_of_queries(client, gd, filed, django_assert_max_num_queries):
    client.force_login(staff(gd))
    url = reverse("experts:objection-list", args=["gd-quality"])
    with django_assert_max_num_queries(12):
        client.get(url)
    for _i in range(20):
        objection(filed.notice, filed.entry, now=at(2026, 10, 12))
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["objections"]) == 21


@pytest.mark.django_db
def test_objections_export_to_excel(client, gd, filed):
    client.force_login(staff(gd))
    response = client.get(reverse("experts:objection-export", args=["gd-quality"]))
    from io import BytesIO

    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("回执编号", "公示编号", "被异议人选")
    assert rows[1][0] == filed.receipt_no and rows[1][9] == "钱保密"


@pytest.mark.django_db
def test_evidence_download_is_staff_only(client, gd):
    notice = publish(gd, approved(gd), now=timezone.now())
    obj = services.file_objection(notice, notice.entries.get(), name="孙五", contact="13800000000",
                                  facts="该人选申报材料不实，附证明。",
                                  evidence=SimpleUploadedFile("e.pdf", PDF_BYTES))
    url = reverse("experts:objection-evidence", args=["gd-quality", obj.pk])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(staff(gd))
    response = client.get(url)
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert re.search(rf'filename="{obj.receipt_no}\.pdf"', response["Content-Disposition"])


@pytest.mark.django_db
def test_the_expert_reads_their_letter_but_not_the_objectors(client, gd, filed):
    secretary = staff(gd)
    services.accept_objection(filed, actor=secretary, reason="予以受理。", now=at(2026, 10, 9, 15))
    services.decide_objection(filed, actor=secretary, upheld=False, reason="不属实。", now=at(2026, 10, 12))
    url = reverse("experts:objection-letter", args=["gd-quality", filed.pk])
    client.force_login(filed.entry.application.applicant)
    response = client.get(url + "?to=expert")
    assert response.status_code == 200 and "钱保密" not in pdf_text(response.content)
    assert client.get(url + "?to=objector").status_code == 403
    client.force_login(UserFactory())
    assert client.get(url + "?to=expert").status_code == 403


@pytest.mark.django_db
def test_public_pages_render_in_english_too(client, open_notice):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    entry = open_notice.entries.first()
    for url in (reverse("experts:notice-list"), reverse("experts:notice-detail", args=[open_notice.pk]),
                reverse("experts:objection-new", args=[open_notice.pk])):
        response = client.get(url)
        assert response.status_code == 200 and 'lang="en"' in response.content.decode()
    assert entry.public_name in client.get(open_notice.get_absolute_url()).content.decode()
