"""Comment-round pages: permissions (staff × role × body, invited, public), forms with clear
messages and no change on bad input, the Excel upload, exports, and constant query counts."""
import io

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import Role
from portal.roles import ROLE_PERMISSIONS
from projects.models import Comment, CommentRound
from projects.services import comments as services
from tests.factories import UserFactory, grant
from tests.projects.test_comments_support import (  # noqa: F401  (fixtures)
    TITLE, at, comment, jx, open_round, other_unit, pdf_upload, sheet_upload, staff, unit_user)

pytestmark = pytest.mark.django_db
D = Comment.Disposition


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rnd(jx, staff, unit_user):
    return open_round(jx, staff, users=[unit_user], now=at(2026, 9, 29))


def staff_urls(r):
    key = r.body.key
    c = r.comments.first()
    urls = [reverse("comments:staff-list", args=[key]), reverse("comments:staff-open", args=[key]),
            reverse("comments:staff-round", args=[key, r.pk]), reverse("comments:staff-invite", args=[key, r.pk]),
            reverse("comments:summary-xlsx", args=[key, r.pk])]
    if c:
        urls.append(reverse("comments:staff-dispose", args=[key, r.pk, c.pk]))
    return urls


@pytest.mark.parametrize("role", list(Role))
def test_staff_pages_need_manage_projects_on_that_body(client, bodies, rnd, unit_user, role):
    comment(rnd, unit_user)
    user = UserFactory()
    grant(user, bodies["jx-base"], role)
    client.force_login(user)
    allowed = "manage_projects" in ROLE_PERMISSIONS[role]
    with time_machine.travel(at(2026, 10, 9), tick=False):
        for url in staff_urls(rnd):
            assert client.get(url).status_code == (200 if allowed else 403), (role, url)
    # a secretariat of another body sees neither the list of jx-base nor its round under its own key
    other = UserFactory()
    grant(other, bodies["gd-quality"], Role.SECRETARIAT)
    client.force_login(other)
    assert client.get(reverse("comments:staff-list", args=["jx-base"])).status_code == 403
    assert client.get(reverse("comments:staff-round", args=["gd-quality", rnd.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, rnd):
    for url in staff_urls(rnd) + [reverse("comments:round", args=[rnd.pk]), reverse("comments:respond", args=[rnd.pk]),
                                  reverse("comments:mine")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_a_non_public_round_is_hidden_from_users_not_invited(client, rnd, other_unit):
    client.force_login(other_unit)
    assert client.get(reverse("comments:round", args=[rnd.pk])).status_code == 404
    assert client.get(reverse("comments:draft", args=[rnd.pk])).status_code == 404
    assert client.get(reverse("comments:public-comment", args=[rnd.pk])).status_code == 404
    assert client.get(reverse("comments:respond", args=[rnd.pk])).status_code == 403


def test_staff_open_a_round_with_the_form(client, jx, staff, unit_user):
    client.force_login(staff)
    url = reverse("comments:staff-open", args=["jx-base"])
    with time_machine.travel(at(2026, 9, 29, 16), tick=False):
        page = client.get(url).content.decode()
        assert "2026年10月19日 24:00" in page  # the default 10 working days (国庆 skipped), previewed
        assert unit_user.email in page
        response = client.post(url, {
            "title": TITLE, "number": "赣标创发〔2026〕5号", "draft": pdf_upload(), "workdays_count": "5",
            "users": [unit_user.pk], "emails": "office@unit-c.cn, 江西省农业科学院"})
    r = CommentRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("comments:staff-round", args=["jx-base", r.pk])
    assert (r.deadline_on.isoformat(), r.invitations.count()) == ("2026-10-12", 2)


def test_bad_input_on_the_open_form_is_explained_and_nothing_is_saved(client, jx, staff):
    client.force_login(staff)
    url = reverse("comments:staff-open", args=["jx-base"])
    response = client.post(url, {"title": TITLE, "draft": pdf_upload(content=b"not a pdf"), "workdays_count": "0",
                                 "emails": "not-an-email\noffice@unit-c.cn"})
    form = response.context["form"]
    assert form.errors["workdays_count"] == ["期限至少为 1 个工作日。"]
    assert form.errors["emails"] == ["第 1 行：“not-an-email”不是有效的电子邮箱。"]
    response = client.post(url, {"title": TITLE, "draft": pdf_upload(content=b"not a pdf"), "workdays_count": "5",
                                 "is_public": "on"})
    assert response.context["form"].errors["draft"] == [
        "只接受 PDF 或 Word（.docx）文件；该文件的内容不是这两种格式之一。"]
    response = client.post(url, {"title": TITLE, "draft": pdf_upload(), "workdays_count": "5"})
    assert response.context["form"].non_field_errors() == ["请邀请至少一个单位或个人，或向社会公开征求意见。"]
    assert not CommentRound.objects.exists()


def test_an_invited_unit_adds_edits_and_sees_the_handling_of_its_comments(client, rnd, staff, unit_user):
    client.force_login(unit_user)
    url = reverse("comments:respond", args=[rnd.pk])
    with time_machine.travel(at(2026, 10, 9), tick=False):
        response = client.post(url, {"name": "陈东", "unit": "江西省质量和标准化研究院", "clause": "第七条",
                                     "content": "建议明确计算时点。", "proposed_change": "", "reason": ""})
        assert response.status_code == 302
        c = Comment.objects.get()
        response = client.post(reverse("comments:edit", args=[rnd.pk, c.pk]),
                               {"clause": "第七条", "content": "建议明确计算时点和口径。"})
        assert response.status_code == 302
        bad = client.post(url, {"name": "陈东", "clause": "第八条", "content": ""})
        assert bad.context["form"].errors["content"] == ["请填写意见内容。"]
    services.dispose_comment(c, actor=staff, disposition=D.PARTLY, reason="口径另行规定", now=at(2026, 10, 14))
    with time_machine.travel(at(2026, 10, 14, 9), tick=False):
        html = client.get(url).content.decode()
    assert "建议明确计算时点和口径。" in html and "部分采纳" in html and "口径另行规定" in html
    assert "本次征求意见已于 2026年10月12日 24:00 截止，不再接受意见。" in html
    assert Comment.objects.count() == 1


def test_a_comment_posted_after_the_deadline_is_refused_with_a_message(client, rnd, unit_user):
    client.force_login(unit_user)
    with time_machine.travel(at(2026, 10, 13, 0, 0, 1), tick=False):
        response = client.post(reverse("comments:respond", args=[rnd.pk]),
                               {"name": "陈东", "clause": "第七条", "content": "晚了"})
    assert response.context["form"].non_field_errors() == ["本次征求意见已于 2026年10月12日 24:00 截止，不再接受意见。"]
    assert not Comment.objects.exists()


def test_the_excel_upload_reports_bad_rows_and_saves_nothing_then_imports_a_good_file(client, rnd, unit_user):
    client.force_login(unit_user)
    url = reverse("comments:upload", args=[rnd.pk])
    with time_machine.travel(at(2026, 10, 9), tick=False):
        template = client.get(reverse("comments:template", args=[rnd.pk]))
        assert load_workbook(io.BytesIO(template.content)).active["C3"].value == "意见内容"
        bad = sheet_upload([(1, "第五条", "好", "", "", "", ""), (2, "第六条", "", "", "", "", "")])
        response = client.post(url, {"file": bad, "name": "王工", "unit": "江西省农业科学院"})
        assert response.context["row_errors"] == ["第 5 行：缺少意见内容"]
        assert response.context["form"].errors["file"] == ["文件中有 1 处错误，未保存任何意见；请修改后重新上传。"]
        assert "第 5 行：缺少意见内容" in response.content.decode()
        assert not Comment.objects.exists()
        good = sheet_upload([(1, "第五条", "好", "", "", "", ""), (2, "第六条", "也好", "", "", "", "")])
        response = client.post(url, {"file": good, "name": "王工", "unit": "江西省农业科学院"})
    assert response.status_code == 302
    assert list(Comment.objects.values_list("clause", "source")) == [("第五条", "excel"), ("第六条", "excel")]


def test_the_public_form_keeps_the_contact_private_and_is_rate_limited(client, jx, staff):
    rnd = open_round(jx, staff, is_public=True)
    url = reverse("comments:public-comment", args=[rnd.pk])
    data = {"name": "张三", "unit": "南昌大学", "contact": "13812345678", "clause": "第三条", "content": "公众意见"}
    with override_settings(QUORUM_COMMENT_RATE=(2, 3600)), time_machine.travel(at(2026, 10, 9), tick=False):
        assert client.post(url, data).status_code == 302
        assert client.post(url, data).status_code == 302
        third = client.post(url, data)
        assert third.context["form"].non_field_errors() == ["提交过于频繁，请稍后再试。"]
        for page in (reverse("comments:index"), reverse("comments:round", args=[rnd.pk]), url):
            assert "13812345678" not in client.get(page).content.decode()
    assert Comment.objects.count() == 2
    with time_machine.travel(at(2026, 10, 13, 0, 0), tick=False):
        late = client.post(url, data)
    assert late.context["form"].non_field_errors() == ["本次征求意见已于 2026年10月12日 24:00 截止，不再接受意见。"]
    assert Comment.objects.count() == 2


def test_staff_disposition_requires_a_reason_for_not_adopted(client, rnd, staff, unit_user):
    c = comment(rnd, unit_user)
    client.force_login(staff)
    url = reverse("comments:staff-dispose", args=["jx-base", rnd.pk, c.pk])
    response = client.post(url, {"disposition": "rejected", "reason": " "})
    assert response.context["form"].errors["reason"] == ["“未采纳”须说明理由。"]
    c.refresh_from_db()
    assert c.disposition == D.PENDING
    response = client.post(url, {"disposition": "rejected", "reason": "已有规定", "next": "https://evil.example/"})
    assert response["Location"] == reverse("comments:staff-round", args=["jx-base", rnd.pk])
    c.refresh_from_db()
    assert (c.disposition, c.disposition_reason) == (D.REJECTED, "已有规定")


def test_the_summary_exports_as_excel_and_pdf(client, rnd, staff, unit_user):
    c = comment(rnd, unit_user)
    services.dispose_comment(c, actor=staff, disposition=D.ADOPTED, now=at(2026, 10, 14))
    client.force_login(staff)
    xlsx = client.get(reverse("comments:summary-xlsx", args=["jx-base", rnd.pk]))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A2"].value.endswith("共收到 1 条意见，采纳 1 条，部分采纳 0 条，未采纳 0 条")
    pdf = client.get(reverse("comments:summary-pdf", args=["jx-base", rnd.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_round_lists_keep_a_constant_number_of_queries(client, jx, staff, unit_user, django_assert_max_num_queries):
    client.force_login(staff)
    first = open_round(jx, staff, users=[unit_user], is_public=True)
    comment(first, unit_user)
    urls = [reverse("comments:staff-list", args=["jx-base"]),
            reverse("comments:staff-round", args=["jx-base", first.pk]), reverse("comments:index")]
    limits = {}
    for url in urls:
        with django_assert_max_num_queries(20) as ctx:
            client.get(url)
        limits[url] = len(ctx.captured_queries)
    for i in range(25):
        r = open_round(jx, staff, users=[unit_user], is_public=True, title=f"文件{i}")
        comment(r, unit_user)
    for i in range(60):
        comment(first, unit_user, clause=f"第{i}条")
    for url in urls:
        with django_assert_max_num_queries(limits[url]):
            response = client.get(url)
        assert response.status_code == 200
    assert len(client.get(urls[1]).context["comments"]) == 50  # paginated by 50
    client.force_login(unit_user)
    for url in (reverse("comments:respond", args=[first.pk]), reverse("comments:mine"), reverse("comments:index")):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


def test_respondent_pages_keep_a_constant_number_of_queries(client, jx, staff, unit_user,
                                                            django_assert_max_num_queries):
    rnd = open_round(jx, staff, users=[unit_user])
    comment(rnd, unit_user)
    client.force_login(unit_user)
    urls = [reverse("comments:respond", args=[rnd.pk]), reverse("comments:mine"), reverse("comments:index")]
    counts = {}
    with time_machine.travel(at(2026, 10, 9), tick=False):
        for url in urls:
            with django_assert_max_num_queries(20) as ctx:
                client.get(url)
            counts[url] = len(ctx.captured_queries)
        for i in range(30):
            comment(rnd, unit_user, clause=f"第{i}条")
        for url in urls:
            with django_assert_max_num_queries(counts[url]):
                client.get(url)


def test_serial_numbers_continue_across_pages(client, rnd, staff, unit_user):
    for i in range(53):
        comment(rnd, unit_user, clause=f"第{i}条", now=at(2026, 9, 30, 9, 0, i))
    client.force_login(staff)
    response = client.get(reverse("comments:staff-round", args=["jx-base", rnd.pk]) + "?page=2")
    assert [(c.seq, c.clause) for c in response.context["comments"]] == [(51, "第50条"), (52, "第51条"), (53, "第52条")]


def test_a_public_visitor_sees_how_their_own_comments_were_handled(client, jx, staff):
    rnd = open_round(jx, staff, is_public=True)
    url = reverse("comments:public-comment", args=[rnd.pk])
    with time_machine.travel(at(2026, 10, 9), tick=False):
        client.post(url, {"name": "张三", "contact": "13812345678", "clause": "第三条", "content": "公众意见"})
    services.submit_public_comment(rnd, name="李四", contact="x", content="别人的意见", now=at(2026, 10, 9))
    mine = Comment.objects.get(submitter_name="张三")
    services.dispose_comment(mine, actor=staff, disposition=D.REJECTED, reason="不属于本办法范围", now=at(2026, 10, 14))
    with time_machine.travel(at(2026, 10, 14), tick=False):
        response = client.get(url)
    assert [c.pk for c in response.context["mine"]] == [mine.pk]
    html = response.content.decode()
    assert "不属于本办法范围" in html and "别人的意见" not in html


def test_respondent_page_paginates_and_numbers_across_pages(client, rnd, unit_user):
    for i in range(52):
        comment(rnd, unit_user, clause=f"第{i}条", now=at(2026, 9, 30, 9, 0, i))
    client.force_login(unit_user)
    with time_machine.travel(at(2026, 10, 9), tick=False):
        response = client.get(reverse("comments:respond", args=[rnd.pk]) + "?page=2")
    assert [c.clause for c in response.context["comments"]] == ["第50条", "第51条"]
    assert "第 51 条" in response.content.decode()


def test_staff_invite_more_units_while_the_round_is_open(client, rnd, staff, other_unit):
    client.force_login(staff)
    url = reverse("comments:staff-invite", args=["jx-base", rnd.pk])
    with time_machine.travel(at(2026, 10, 9), tick=False):
        assert other_unit.email in client.get(url).content.decode()
        empty = client.post(url, {"users": [], "emails": ""})
        assert empty.context["form"].non_field_errors() == ["请选择或填写要邀请的单位或个人。"]
        response = client.post(url, {"users": [other_unit.pk], "emails": "new@unit-d.cn 江西省林业科学院"})
    assert response.status_code == 302
    assert sorted(rnd.invitations.values_list("email", "unit")) == [
        ("chen@unit-a.cn", ""), ("lin@unit-b.cn", ""), ("new@unit-d.cn", "江西省林业科学院")]
    with time_machine.travel(at(2026, 10, 13, 0, 0), tick=False):
        late = client.post(url, {"emails": "late@unit-e.cn"})
    assert late.context["form"].non_field_errors() == ["本次征求意见已于 2026年10月12日 24:00 截止，不再接受意见。"]


def test_the_draft_downloads_for_invited_units_and_for_anyone_on_a_public_round(client, jx, staff, rnd, unit_user):
    client.force_login(unit_user)
    response = client.get(reverse("comments:draft", args=[rnd.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    public = open_round(jx, staff, is_public=True)
    client.logout()
    assert client.get(reverse("comments:draft", args=[public.pk])).status_code == 200
    assert client.get(reverse("comments:draft", args=[rnd.pk])).status_code == 302  # to the login page


def test_my_comments_lists_every_round_with_the_handling(client, jx, staff, rnd, unit_user):
    c = comment(rnd, unit_user, content="第一份文件的意见")
    second = open_round(jx, staff, users=[unit_user], title="理事会章程（征求意见稿）")
    comment(second, unit_user, content="第二份文件的意见")
    services.dispose_comment(c, actor=staff, disposition=D.ADOPTED, now=at(2026, 10, 14))
    client.force_login(unit_user)
    html = client.get(reverse("comments:mine")).content.decode()
    assert "第一份文件的意见" in html and "第二份文件的意见" in html and "采纳" in html and "待处理" in html


def test_the_public_list_shows_only_public_rounds(client, jx, staff, rnd):
    public = open_round(jx, staff, is_public=True, title="理事会章程（征求意见稿）")
    html = client.get(reverse("comments:index")).content.decode()
    assert public.title in html and rnd.title not in html


def test_staff_see_how_many_comments_each_invitee_made(client, jx, staff, unit_user, other_unit):
    rnd = open_round(jx, staff, users=[unit_user, other_unit], emails=["office@unit-c.cn"])
    comment(rnd, unit_user)
    comment(rnd, unit_user, clause="第八条")
    client.force_login(staff)
    response = client.get(reverse("comments:staff-round", args=["jx-base", rnd.pk]))
    assert [(str(i), i.n_comments) for i in response.context["invitations"]] == [
        ("成员单位 陈东", 2), ("成员单位 林娜", 0), ("office@unit-c.cn", 0)]
    assert "尚未注册" in response.content.decode()
