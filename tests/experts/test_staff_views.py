"""Staff pages of vetting: the queue, its export, the review page with its decision forms,
and the approver's list (experts.views.staff)."""
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from experts.models import Application, Attachment, ExpertField, UnitVerification
from experts.services import vetting
from portal import audit
from portal.models import AuditEvent, Role
from portal.roles import ROLE_PERMISSIONS
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory, grant

S = Application.Status
HOME = "gd-quality"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"

# URL name → permissions of which any one opens it
PAGES = {
    "queue": ("manage_experts", "supervise"),
    "queue-export": ("manage_experts", "supervise"),
    "review": ("manage_experts", "approve", "supervise"),
    "approvals": ("approve",),
}


def url(name, body_key, app=None):
    if name == "review":
        return reverse("experts:review", args=[body_key, app.pk])
    return reverse(f"experts:{name}", args=[body_key])


def login(client, body, role):
    user = UserFactory(name=f"{role}-user")
    grant(user, body, role)
    client.force_login(user)
    return user


@pytest.fixture
def sec(client, pools):
    return login(client, pools[HOME], Role.SECRETARIAT)


# ------------------------------------------------------------------ permission matrix

@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_its_vetting_pages(client, pools, role):
    login(client, pools[HOME], role)
    apps = {key: make_application(pools[key]) for key in ("gd-quality", "xx-random", "jm-storage")}
    for key, app in apps.items():
        for name, perms in PAGES.items():
            response = client.get(url(name, key, app))
            allowed = key == HOME and any(p in ROLE_PERMISSIONS[role] for p in perms)
            assert response.status_code == (200 if allowed else 403), (role, key, name, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PAGES))
def test_anonymous_is_sent_to_login(client, pools, name):
    response = client.get(url(name, HOME, make_application(pools[HOME])))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_another_bodys_application_is_not_found_under_my_body(client, pools, sec):
    other = make_application(pools["xx-random"])
    assert client.get(reverse("experts:review", args=[HOME, other.pk])).status_code == 404
    response = client.post(reverse("experts:review-forward", args=[HOME, other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == S.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.APPROVER, Role.SUPERVISOR, Role.MEMBER, Role.EXPERT])
def test_vetting_actions_are_forbidden_without_manage_experts(client, pools, role):
    login(client, pools[HOME], role)
    app = make_application(pools[HOME])
    for name, data in [("review-forward", {}), ("review-reject", {"reject-reason": "不符合"}),
                       ("review-return", {"return-cv": "补充"}), ("review-exemption", {"exempt-reason": "院士"})]:
        response = client.post(reverse(f"experts:{name}", args=[HOME, app.pk]), data)
        assert response.status_code == 403, (role, name)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.age_exemption_reason == ""


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.SUPERVISOR, Role.MEMBER, Role.EXPERT])
def test_approver_actions_are_forbidden_without_approve(client, pools, role):
    login(client, pools[HOME], role)
    app = make_application(pools[HOME], status=S.FORWARDED)
    assert client.post(reverse("experts:review-approve", args=[HOME, app.pk])).status_code == 403
    assert client.post(reverse("experts:review-send-back", args=[HOME, app.pk]),
                       {"send_back-reason": "x"}).status_code == 403
    assert client.post(reverse("experts:approvals", args=[HOME]), {"applications": [app.pk]}).status_code == 403
    app.refresh_from_db()
    assert app.status == S.FORWARDED


# ------------------------------------------------------------------ queue and export

@pytest.mark.django_db
def test_queue_lists_filters_and_paginates(client, pools, sec):
    body = pools[HOME]
    brand = ExpertField.objects.get(body=body, code="brand")
    target = make_application(body, fields=[brand], profile=ProfileFactory(name="品牌专家甲"))
    metrology = ExpertField.objects.get(body=body, code="metrology")
    for _ in range(26):
        make_application(body, fields=[metrology])
    response = client.get(url("queue", HOME))
    assert response.context["page_obj"].paginator.count == 27
    assert len(response.context["applications"]) == 25
    quality = ExpertField.objects.get(body=body, code="quality-management")
    response = client.get(url("queue", HOME), {"field": quality.pk})
    assert response.context["page_obj"].paginator.count == 1
    assert "品牌专家甲" in response.content.decode()
    assert reverse("experts:review", args=[HOME, target.pk]) in response.content.decode()


@pytest.mark.django_db
def test_queue_rejects_a_reversed_date_range_with_a_field_message(client, pools, sec):
    make_application(pools[HOME])
    response = client.get(url("queue", HOME), {"submitted_from": "2026-03-10", "submitted_to": "2026-03-01"})
    assert response.context["form"].errors == {"submitted_to": ["结束日期不能早于开始日期。"]}
    assert response.context["page_obj"].paginator.count == 1  # unfiltered list, with the message


@pytest.mark.django_db
def test_supervisor_sees_the_queue_read_only(client, pools):
    login(client, pools[HOME], Role.SUPERVISOR)
    app = make_application(pools[HOME])
    queue = client.get(url("queue", HOME))
    assert "您以监督身份查看" in queue.content.decode()
    review = client.get(url("review", HOME, app))
    assert review.context["any_action"] is False
    assert reverse("experts:review-forward", args=[HOME, app.pk]) not in review.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 60])
def test_queue_page_query_count_is_constant(client, pools, sec, django_assert_max_num_queries, rows):
    for _ in range(rows):
        make_application(pools[HOME])
    with django_assert_max_num_queries(14):
        response = client.get(url("queue", HOME), {"q": "专家"})
    assert response.status_code == 200 and len(response.context["applications"]) == min(rows, 25)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 60])
def test_queue_export_query_count_is_constant(client, pools, sec, django_assert_max_num_queries, rows):
    for _ in range(rows):
        make_application(pools[HOME])
    with django_assert_max_num_queries(10):
        response = client.get(url("queue-export", HOME))
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet.max_row == rows + 1


@pytest.mark.django_db
def test_queue_export_has_the_agreed_columns_and_no_personal_data(client, pools, sec):
    profile = ProfileFactory(name="李导出", employer="广东省计量院", title="正高级工程师", region="广州市")
    app = make_application(pools[HOME], profile=profile)
    make_application(pools["xx-random"])
    response = client.get(url("queue-export", HOME), {"q": "李导出"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("申请编号", "姓名", "工作单位", "职称", "领域", "地区", "状态", "提交时间")
    assert rows[1][:7] == (app.pk, "李导出", "广东省计量院", "正高级工程师", "质量管理", "广州市", "已提交")
    assert len(rows) == 2
    flat = " ".join(str(c) for c in rows[1])
    for private in (profile.id_number, profile.phone, profile.email, profile.address):
        assert private not in flat


# ------------------------------------------------------------------ review page

@pytest.mark.django_db
def test_review_shows_snapshot_eligibility_attachments_and_history(client, pools, sec, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    body = pools[HOME]
    app = make_application(body, snapshot={"name": "王快照", "employer": "快照单位", "title_level": "senior",
                                           "field_names": ["质量管理"], "statement": "愿意服务"},
                           eligibility=[{"rule_id": 1, "group": "age", "label": "年龄一般不超过65周岁", "ok": True,
                                         "applicable": True, "message": "", "clause": "第六条（五）"},
                                        {"rule_id": 2, "group": "qualification", "label": "具有副高级以上技术职称",
                                         "ok": False, "applicable": True, "message": "职称不足",
                                         "clause": "第六条（一）"}])
    Attachment.objects.create(application=app, kind=Attachment.Kind.ID_COPY, file="x.pdf",
                              original_name="身份证.pdf", content_type="application/pdf", size=100, sha256="0" * 64)
    vetting.grant_age_exemption(app, actor=sec, reason="博士生导师")
    html = client.get(url("review", HOME, app)).content.decode()
    assert "王快照" in html and "快照单位" in html and "正高级" in html and "愿意服务" in html
    assert "身份证.pdf" in html and reverse("experts:attachment-download", args=[app.attachments.get().pk]) in html
    assert "符合" in html and "不符合" in html and "第六条（一）" in html and "职称不足" in html
    assert "登记年龄豁免" in html and "博士生导师" in html
    assert reverse("experts:review-forward", args=[HOME, app.pk]) in html
    assert reverse("experts:review-approve", args=[HOME, app.pk]) not in html


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
def test_review_query_count_does_not_grow_with_history(client, pools, sec, django_assert_max_num_queries, rows):
    app = make_application(pools[HOME])
    for i in range(rows):
        audit.record(app.applicant, "experts.application.save_draft", app, body=pools[HOME], data={})
        Attachment.objects.create(application=app, kind=Attachment.Kind.OTHER, file=f"{i}.pdf",
                                  original_name=f"材料{i}.pdf", content_type="application/pdf", size=1, sha256="0" * 64)
    with django_assert_max_num_queries(22):
        response = client.get(url("review", HOME, app))
    assert len(response.context["history"]) == rows
    assert len(response.context["attachments"]) == rows


@pytest.mark.django_db
def test_approver_sees_approve_send_back_and_reject(client, pools):
    login(client, pools[HOME], Role.APPROVER)
    app = make_application(pools[HOME], status=S.FORWARDED)
    ctx = client.get(url("review", HOME, app)).context
    assert {k for k, v in ctx["can"].items() if v} == {"approve", "send_back", "reject"}


@pytest.mark.django_db
def test_return_without_any_comment_is_refused_on_the_form(client, pools, sec):
    app = make_application(pools[HOME])
    response = client.post(reverse("experts:review-return", args=[HOME, app.pk]), {"return-cv": "  "})
    assert response.status_code == 400
    assert response.context["forms"]["return"].non_field_errors() == ["请至少对一个部分填写修改意见。"]
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


@pytest.mark.django_db
def test_return_with_comments_redirects_to_the_review(client, pools, sec):
    app = make_application(pools[HOME])
    response = client.post(reverse("experts:review-return", args=[HOME, app.pk]),
                           {"return-fields": "请选择更具体的下级领域"})
    assert response.status_code == 302 and response["Location"] == url("review", HOME, app)
    app.refresh_from_db()
    assert (app.status, app.return_comments) == (S.RETURNED, {"fields": "请选择更具体的下级领域"})


@pytest.mark.django_db
def test_reject_needs_a_reason_on_the_form(client, pools, sec):
    app = make_application(pools[HOME])
    response = client.post(reverse("experts:review-reject", args=[HOME, app.pk]), {"reject-reason": ""})
    assert response.status_code == 400
    assert response.context["forms"]["reject"].errors == {"reason": ["这个字段是必填项。"]}
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


@pytest.mark.django_db
def test_xx_random_forward_without_verification_shows_the_reason(client, pools):
    login(client, pools["xx-random"], Role.SECRETARIAT)
    app = make_application(pools["xx-random"])
    response = client.post(reverse("experts:review-forward", args=["xx-random", app.pk]))
    assert response.status_code == 400
    assert "须经所在单位核实" in response.context["action_errors"][0]
    assert "须经所在单位核实" in response.content.decode()
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


@pytest.mark.django_db
def test_unit_verification_form_uploads_the_letter_and_staff_can_download_it(client, pools, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, pools["xx-random"], Role.SECRETARIAT)
    app = make_application(pools["xx-random"])
    response = client.post(reverse("experts:review-verify", args=["xx-random", app.pk]), {
        "verify-unit_name": "新县机械厂", "verify-verifier_name": "王科长", "verify-method": "letter",
        "verify-letter": SimpleUploadedFile("函.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.VERIFIED and app.unit_verification.method == UnitVerification.Method.LETTER
    download = client.get(reverse("experts:review-unit-letter", args=["xx-random", app.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(UserFactory())
    assert client.get(reverse("experts:review-unit-letter", args=["xx-random", app.pk])).status_code == 403


@pytest.mark.django_db
def test_unit_verification_form_rejects_a_fake_pdf_per_field(client, pools, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, pools["xx-random"], Role.SECRETARIAT)
    app = make_application(pools["xx-random"])
    response = client.post(reverse("experts:review-verify", args=["xx-random", app.pk]), {
        "verify-unit_name": "新县机械厂", "verify-verifier_name": "王科长", "verify-method": "letter",
        "verify-letter": SimpleUploadedFile("函.pdf", b"GIF89a....", content_type="application/pdf")})
    assert response.status_code == 400
    assert list(response.context["forms"]["verify"].errors) == ["letter"]
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and not UnitVerification.objects.exists()


@pytest.mark.django_db
def test_age_exemption_form_records_the_exemption(client, pools, sec):
    app = make_application(pools[HOME], status=S.DRAFT)
    response = client.post(reverse("experts:review-exemption", args=[HOME, app.pk]), {"exempt-reason": "中国科学院院士"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.age_exemption_by, app.age_exemption_reason) == (sec, "中国科学院院士")


# ------------------------------------------------------------------ approver pages

@pytest.mark.django_db
def test_batch_approve_reports_how_many_were_approved(client, pools):
    approver = login(client, pools[HOME], Role.APPROVER)
    apps = [make_application(pools[HOME], status=S.FORWARDED) for _ in range(3)]
    waiting = make_application(pools[HOME], status=S.FORWARDED)
    response = client.post(url("approvals", HOME), {"applications": [a.pk for a in apps]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已批准 3 人"]
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("status", flat=True)) == {S.APPROVED}
    waiting.refresh_from_db()
    assert waiting.status == S.FORWARDED
    assert AuditEvent.objects.filter(action="experts.application.approve", actor=approver).count() == 3
    assert [a.pk for a in response.context["applications"]] == [waiting.pk]


@pytest.mark.django_db
def test_batch_approve_with_nothing_selected_is_refused(client, pools):
    login(client, pools[HOME], Role.APPROVER)
    make_application(pools[HOME], status=S.FORWARDED)
    response = client.post(url("approvals", HOME), {})
    assert response.status_code == 400
    assert response.context["form"].errors == {"applications": ["请至少选择一份申请。"]}


@pytest.mark.django_db
def test_batch_approve_cannot_reach_another_bodys_application(client, pools):
    login(client, pools[HOME], Role.APPROVER)
    other = make_application(pools["xx-random"], status=S.FORWARDED)
    response = client.post(url("approvals", HOME), {"applications": [other.pk]})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == S.FORWARDED


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 60])
def test_approvals_page_query_count_is_constant(client, pools, django_assert_max_num_queries, rows):
    login(client, pools[HOME], Role.APPROVER)
    for _ in range(rows):
        make_application(pools[HOME], status=S.FORWARDED)
    with django_assert_max_num_queries(12):
        response = client.get(url("approvals", HOME))
    assert len(response.context["applications"]) == min(rows, 25)


@pytest.mark.django_db
def test_send_back_form_returns_to_the_approvals_list(client, pools):
    login(client, pools[HOME], Role.APPROVER)
    app = make_application(pools[HOME], status=S.FORWARDED)
    response = client.post(reverse("experts:review-send-back", args=[HOME, app.pk]),
                           {"send_back-reason": "请补充高管任职证明"})
    assert response["Location"] == url("approvals", HOME)
    app.refresh_from_db()
    assert (app.status, app.decision_reason) == (S.SUBMITTED, "请补充高管任职证明")


# ------------------------------------------------------------------ after approval

@pytest.mark.django_db
def test_jm_storage_approved_application_shows_admit_and_admits(client, pools):
    login(client, pools["jm-storage"], Role.SECRETARIAT)
    app = make_application(pools["jm-storage"], status=S.APPROVED)
    page = client.get(url("review", "jm-storage", app))
    assert page.context["can"]["admit"] is True and page.context["can"]["publish"] is False
    response = client.post(reverse("experts:review-admit", args=["jm-storage", app.pk]), follow=True)
    app.refresh_from_db()
    assert app.status == S.ADMITTED
    assert f"证书编号 {app.expert.certificate_no}" in [str(m) for m in response.context["messages"]][0]


@pytest.mark.django_db
def test_gd_quality_approved_application_links_to_the_notice_instead(client, pools, sec):
    app = make_application(pools[HOME], status=S.APPROVED)
    page = client.get(url("review", HOME, app))
    assert page.context["can"]["admit"] is False and page.context["can"]["publish"] is True
    html = page.content.decode()
    assert reverse("experts:notice-publish", args=[HOME]) in html
    assert reverse("experts:review-admit", args=[HOME, app.pk]) not in html
