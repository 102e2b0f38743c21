"""Staff pool list, export and expert page; a person's memberships; certificate download and
public verification."""
from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from experts.models import Application, Expert
from experts.scale import create_experts
from experts.selectors import pool as selectors
from experts.services.admission import admit
from portal.models import Role
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory, grant

TZ = ZoneInfo("Asia/Shanghai")
S = Application.Status
PRIVATE = {"id": "44010419750615999X", "phone": "13700001111", "email": "private-marker@example.cn",
           "address": "私密标记路 42 号", "birth": date(1971, 3, 9)}


def admitted(body, *, when=None, fields=None, **profile):
    app = make_application(body, status=S.IN_NOTICE, profile=ProfileFactory(**profile), fields=fields)
    return admit(app, now=when or timezone.now())


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


@pytest.fixture
def staff(gd):
    users = {}
    for role in (Role.SECRETARIAT, Role.APPROVER, Role.SUPERVISOR, Role.MEMBER, Role.EXPERT):
        users[role.value] = UserFactory(name=f"{role.label}")
        grant(users[role.value], gd, role)
    return users


@pytest.fixture
def expert(gd):
    return admitted(gd, name="林晓东", employer="广东省标准化研究院", title="正高级工程师", region="广州市",
                    id_number=PRIVATE["id"], phone=PRIVATE["phone"], email=PRIVATE["email"],
                    address=PRIVATE["address"], birth_date=PRIVATE["birth"])


# ---------------------------------------------------------------- permission matrix

STAFF_URLS = [
    ("experts:pool", lambda e: [e.body.key]),
    ("experts:pool-export", lambda e: [e.body.key]),
    ("experts:expert-detail", lambda e: [e.body.key, e.pk]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", STAFF_URLS)
@pytest.mark.parametrize("role, status", [
    ("secretariat", 200), ("approver", 200), ("supervisor", 200), ("member", 403), ("expert", 403),
    ("nobody", 403), ("other-body-secretariat", 403), ("site-admin", 200)])
def test_pool_staff_urls_by_role(client, gd, pools, staff, expert, name, args, role, status):
    if role == "nobody":
        user = UserFactory()
    elif role == "other-body-secretariat":
        user = UserFactory()
        grant(user, pools["xx-random"], Role.SECRETARIAT)
    elif role == "site-admin":
        user = UserFactory(is_superuser=True)
    else:
        user = staff[role]
    client.force_login(user)
    assert client.get(reverse(name, args=args(expert))).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", STAFF_URLS)
def test_pool_staff_urls_send_anonymous_users_to_login(client, expert, name, args):
    response = client.get(reverse(name, args=args(expert)))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_expert_of_another_body_is_not_found_on_this_body(client, pools, staff, expert):
    client.force_login(staff["secretariat"])
    other = pools["xx-random"]
    grant(staff["secretariat"], other, Role.SECRETARIAT)
    assert client.get(reverse("experts:expert-detail", args=[other.key, expert.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("owner", 200), ("secretariat", 200), ("approver", 200),
                                         ("supervisor", 200), ("member", 404), ("stranger", 404)])
def test_certificate_download_is_for_the_expert_and_body_staff(client, staff, expert, who, status):
    user = {"owner": expert.user, "stranger": UserFactory()}.get(who) or staff[who]
    client.force_login(user)
    response = client.get(reverse("experts:certificate-pdf", args=[expert.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
        assert f"certificate-{expert.certificate_no}.pdf" in response["Content-Disposition"]


@pytest.mark.django_db
def test_certificate_download_asks_anonymous_users_to_log_in(client, expert):
    response = client.get(reverse("experts:certificate-pdf", args=[expert.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- pool list


@pytest.mark.django_db
def test_pool_lists_active_experts_by_default(client, gd, staff, expert):
    gone = admitted(gd, name="出库专家")
    Expert.objects.filter(pk=gone.pk).update(status=Expert.Status.EXITED)
    client.force_login(staff["secretariat"])
    html = client.get(reverse("experts:pool", args=[gd.key])).content.decode()
    assert "林晓东" in html and expert.certificate_no in html
    assert "出库专家" not in html
    html = client.get(reverse("experts:pool", args=[gd.key]), {"status": "exited"}).content.decode()
    assert "出库专家" in html and "林晓东" not in html
    html = client.get(reverse("experts:pool", args=[gd.key]), {"status": "all"}).content.decode()
    assert "出库专家" in html and "林晓东" in html


@pytest.mark.django_db
def test_pool_field_filter_includes_the_children_of_a_parent(gd):
    parent = gd.expert_fields.get(code="quality-management")
    child = gd.expert_fields.get(code="brand")
    other = gd.expert_fields.get(code="metrology")
    in_child = admitted(gd, fields=[child])
    in_parent = admitted(gd, fields=[parent])
    admitted(gd, fields=[other])
    assert set(selectors.pool_experts(gd, field=parent)) == {in_child, in_parent}
    assert list(selectors.pool_experts(gd, field=child)) == [in_child]


@pytest.mark.django_db
def test_pool_filters_region_title_level_search_and_term_end(gd):
    a = admitted(gd, name="甲", region="广州市", title_level="senior", employer="华南理工大学",
                 when=datetime(2024, 3, 1, 10, tzinfo=TZ))
    b = admitted(gd, name="乙", region="深圳市", title_level="deputy_senior", employer="深圳计量院",
                 when=datetime(2026, 11, 25, 10, tzinfo=TZ))
    assert list(selectors.pool_experts(gd, region="广州市")) == [a]
    assert list(selectors.pool_experts(gd, title_level="deputy_senior")) == [b]
    assert list(selectors.pool_experts(gd, q="计量")) == [b]
    assert list(selectors.pool_experts(gd, q=a.certificate_no)) == [a]
    # a's term ends 2027-02-28; b's 2029-11-24
    assert list(selectors.pool_experts(gd, term_ends_before=date(2027, 3, 1))) == [a]
    assert list(selectors.pool_experts(gd, term_ends_before=date(2027, 2, 28))) == []


@pytest.mark.django_db
def test_pool_filter_form_is_applied_by_the_view(client, gd, staff):
    admitted(gd, name="甲", region="广州市")
    admitted(gd, name="乙", region="深圳市")
    client.force_login(staff["approver"])
    response = client.get(reverse("experts:pool", args=[gd.key]), {"region": "深圳市"})
    assert [e.public_name for e in response.context["experts"]] == ["乙"]
    assert response.context["query"] == "region=%E6%B7%B1%E5%9C%B3%E5%B8%82"


@pytest.mark.django_db
def test_pool_filter_with_bad_input_shows_field_errors_and_the_default_list(client, gd, staff, expert):
    client.force_login(staff["secretariat"])
    response = client.get(reverse("experts:pool", args=[gd.key]), {"term_ends_before": "not-a-date",
                                                                   "field": "99999"})
    form = response.context["form"]
    assert set(form.errors) == {"term_ends_before", "field"}
    assert [e.pk for e in response.context["experts"]] == [expert.pk]


@pytest.mark.django_db
def test_pool_export_has_the_filtered_rows_and_all_columns(client, gd, staff, expert):
    admitted(gd, name="乙", region="深圳市")
    client.force_login(staff["supervisor"])
    response = client.get(reverse("experts:pool-export", args=[gd.key]), {"region": "广州市"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("证书编号", "姓名", "工作单位", "专业技术职称", "专业领域", "所在地区", "聘期开始",
                       "聘期结束", "状态")
    assert len(rows) == 2
    no, name, employer, title, fields, region, start, end, status = rows[1]
    assert (no, name, employer, title, fields, region, status) == (
        expert.certificate_no, "林晓东", "广东省标准化研究院", "正高级工程师", "质量管理", "广州市", "在库")
    assert (start, end) == (expert.term_start.isoformat(), expert.term_end.isoformat())


@pytest.mark.django_db
def test_pool_list_keeps_a_constant_number_of_queries(client, gd, staff, django_assert_max_num_queries):
    admitted(gd)
    client.force_login(staff["secretariat"])
    url = reverse("experts:pool", args=[gd.key])
    with django_assert_max_num_queries(14) as one:
        assert client.get(url).status_code == 200
    create_experts(300, bodies=["gd-quality"])  # 100 more than a page
    with django_assert_max_num_queries(len(one.captured_queries)) as many:
        response = client.get(url)
    assert response.context["page_obj"].paginator.count == 301
    assert len(response.context["experts"]) == 50
    assert len(many.captured_queries) == len(one.captured_queries)


@pytest.mark.django_db
def test_pool_export_keeps_a_constant_number_of_queries(client, gd, staff, django_assert_max_num_queries):
    admitted(gd)
    client.force_login(staff["secretariat"])
    url = reverse("experts:pool-export", args=[gd.key])
    with django_assert_max_num_queries(14) as one:
        client.get(url)
    create_experts(100, bodies=["gd-quality"])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(list(load_workbook(BytesIO(response.content)).active.iter_rows())) == 102


# ---------------------------------------------------------------- expert page (staff)


@pytest.mark.django_db
def test_expert_page_shows_private_data_links_and_history_to_staff(client, gd, staff, expert):
    old = admitted(gd, when=datetime(2020, 5, 6, 10, tzinfo=TZ))
    Expert.objects.filter(pk=old.pk).update(user=expert.user, profile=expert.profile, status=Expert.Status.LAPSED)
    client.force_login(staff["secretariat"])
    response = client.get(reverse("experts:expert-detail", args=[gd.key, expert.pk]))
    html = response.content.decode()
    for value in (PRIVATE["id"], PRIVATE["phone"], PRIVATE["email"], PRIVATE["address"], "1971-03-09"):
        assert value in html
    assert reverse("experts:review", args=[gd.key, expert.application_id]) in html
    assert reverse("experts:certificate-pdf", args=[expert.pk]) in html
    assert [m.pk for m in response.context["history"]] == [expert.pk, old.pk]
    assert "2020-05-06 – 2023-05-05" in html


@pytest.mark.django_db
def test_expert_page_queries_are_constant(client, gd, staff, expert, django_assert_max_num_queries):
    client.force_login(staff["secretariat"])
    with django_assert_max_num_queries(12):
        client.get(reverse("experts:expert-detail", args=[gd.key, expert.pk]))


# ---------------------------------------------------------------- my memberships


@pytest.mark.django_db
def test_my_memberships_lists_the_users_certificates(client, pools, expert):
    sec = UserFactory()
    grant(sec, pools["jm-storage"], Role.SECRETARIAT)
    other = make_application(pools["jm-storage"], status=S.APPROVED, profile=expert.profile)
    second = admit(other, actor=sec)
    client.force_login(expert.user)
    html = client.get(reverse("experts:my-memberships")).content.decode()
    for membership in (expert, second):
        assert membership.certificate_no in html
        assert reverse("experts:certificate-pdf", args=[membership.pk]) in html
    assert pools["jm-storage"].name_zh in html and "广东省质量发展智库" in html


@pytest.mark.django_db
def test_my_memberships_says_so_when_there_are_none(client, pools):
    client.force_login(UserFactory())
    response = client.get(reverse("experts:my-memberships"))
    assert 'data-testid="no-memberships"' in response.content.decode()


# ---------------------------------------------------------------- public verification


@pytest.mark.django_db
def test_verification_confirms_an_active_certificate_without_personal_data(client, expert):
    response = client.get(reverse("experts:certificate-verify", args=[expert.certificate_no]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="valid"' in html
    for value in ("林晓东", "广东省质量发展智库", "广东省标准化研究院", "质量管理", expert.certificate_no):
        assert value in html
    assert f"{expert.term_start.year}年{expert.term_start.month}月{expert.term_start.day}日至" in html
    for value in (PRIVATE["id"], PRIVATE["phone"], PRIVATE["email"], PRIVATE["address"], "1971"):
        assert value not in html


@pytest.mark.django_db
def test_verification_shows_a_lapsed_term(client, gd):
    old = admitted(gd, when=timezone.now() - timedelta(days=4 * 366))
    html = client.get(reverse("experts:certificate-verify", args=[old.certificate_no])).content.decode()
    assert 'data-state="lapsed"' in html and "聘期已届满" in html


@pytest.mark.django_db
def test_verification_shows_an_exited_expert(client, expert):
    Expert.objects.filter(pk=expert.pk).update(status=Expert.Status.EXITED)
    html = client.get(reverse("experts:certificate-verify", args=[expert.certificate_no])).content.decode()
    assert 'data-state="exited"' in html


@pytest.mark.django_db
def test_verification_of_an_unknown_number_is_a_404_page(client, pools):
    response = client.get(reverse("experts:certificate-verify", args=["GDZK20269999"]))
    assert response.status_code == 404
    assert "未找到该证书" in response.content.decode() and "GDZK20269999" in response.content.decode()


@pytest.mark.django_db
def test_verification_is_one_query_page(client, expert, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get(reverse("experts:certificate-verify", args=[expert.certificate_no]))
