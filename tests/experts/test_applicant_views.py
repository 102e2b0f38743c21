"""Applicant pages: apply, the form (bad input, uploads), submit, returned comments, timeline,
withdraw, my applications (query counts), attachment download permissions."""
from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from experts.models import Application, Attachment, ExpertField, ExpertProfile
from experts.services import applications as svc
from portal import audit
from portal.models import AuditEvent, Role
from tests.experts.factories import ProfileFactory, make_application, valid_resident_id
from tests.factories import UserFactory, grant

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40
S = Application.Status


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    """Delete the files this test stored (MEDIA_ROOT is shared; rows are rolled back after)."""
    yield
    for att in Attachment.objects.all():
        att.file.storage.delete(att.file.name)


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


@pytest.fixture
def applicant(db):
    return UserFactory(name="李青")


@pytest.fixture
def draft(gd, applicant):
    return svc.start_application(gd, actor=applicant)


def form_data(body, **overrides):
    data = {
        "name": "李青", "gender": "female", "birth_date": "1975-06-15", "id_type": "resident",
        "id_number": valid_resident_id(date(1975, 6, 15)), "phone": "139 1234 5678", "email": "li@example.cn",
        "address": "广州市天河区体育西路 1 号", "employer": "广东省质量研究院", "employer_type": "institution",
        "position": "室主任", "work_since": "2000", "title": "高级工程师", "title_level": "deputy_senior",
        "degree": "master", "degree_year": "2005", "licence": "", "licence_year": "", "region": "广州市",
        "cv": "长期从事质量管理研究。", "recent_employers": "广东省质量研究院\n\n  某检测公司 ",
        "close_relations": "", "shareholdings": "", "statement": "", "field_years": "",
        "fields": [ExpertField.objects.get(body=body, code="standardization").pk],
        "attachment_kind": "", "action": "save",
    }
    data.update(overrides)
    return data


def edit_url(app):
    return reverse("experts:application-edit", args=[app.pk])


def add_pdf(app, kind):
    return svc.add_attachment(app, actor=app.applicant, kind=kind,
                              upload=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"))


# ---- apply -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_apply_page_lists_open_calls_with_rules_and_clauses(client, pools, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        html = client.get(reverse("experts:apply")).content.decode()
    assert pools["gd-quality"].name_zh in html and pools["jm-storage"].name_zh in html
    assert "具有副高级以上技术职称" in html and "《广东省质量发展智库管理办法》第六条（一）" in html
    assert "常年征集" in html
    assert "登录后申请" in html


@pytest.mark.django_db
def test_apply_page_hides_a_body_whose_window_is_closed(client, pools):
    from experts.models import Call

    Call.objects.filter(body=pools["xx-random"]).update(is_active=False)
    html = client.get(reverse("experts:apply")).content.decode()
    assert 'data-testid="call-xx-random"' not in html and 'data-testid="call-gd-quality"' in html


@pytest.mark.django_db
def test_starting_requires_login_with_next(client, gd):
    url = reverse("experts:apply-body", args=["gd-quality"])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "next=/experts/apply/gd-quality/" in response["Location"]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_body_page_shows_rules_and_offers_to_continue_a_live_application(client, pools, applicant):
    url = reverse("experts:apply-body", args=["gd-quality"])
    client.force_login(applicant)
    html = client.get(url).content.decode()
    assert "企业高层管理者" in html and "第六条（一）" in html and "下列条件满足其一即可" in html
    assert "开始填写申请" in html
    app = svc.start_application(pools["gd-quality"], actor=applicant)
    html = client.get(url).content.decode()
    assert "继续我的申请" in html and app.get_absolute_url() in html and "开始填写申请" not in html


@pytest.mark.django_db
def test_starting_creates_a_draft_and_opens_the_form(client, gd, applicant):
    client.force_login(applicant)
    response = client.post(reverse("experts:apply-body", args=["gd-quality"]))
    app = Application.objects.get(applicant=applicant)
    assert response["Location"] == edit_url(app)
    page = client.get(edit_url(app)).content.decode()
    assert 'name="fields"' in page and "质量奖评审" in page and "保存草稿" in page


# ---- the form: bad input changes nothing ------------------------------------------------------------

def snapshot_state(app):
    profile = ExpertProfile.objects.get(pk=app.profile_id)
    return (profile.name, profile.id_number, profile.phone, profile.email, Attachment.objects.count(),
            AuditEvent.objects.filter(action__startswith="experts.application.save").count())


@pytest.mark.django_db
@pytest.mark.parametrize("field, value, message", [
    ("id_number", valid_resident_id()[:17] + "0" if not valid_resident_id().endswith("0") else
     valid_resident_id()[:17] + "1", "校验位不正确"),
    ("id_number", "44010419751340123X", "出生日期"),
    ("phone", "12345", "有效的中国大陆手机号码"),
    ("email", "not-an-email", "有效的 Email"),
    ("work_since", "1890", "1940"),
    ("birth_date", "1976-01-01", "不一致"),
    ("name", "", "这个字段是必填项"),
])
def test_bad_input_gets_a_message_on_its_field_and_writes_nothing(client, gd, draft, field, value, message):
    client.force_login(draft.applicant)
    before = snapshot_state(draft)
    response = client.post(edit_url(draft), form_data(gd, **{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    error_field = "birth_date" if message == "不一致" else field
    assert message in " ".join(form.errors[error_field])
    assert snapshot_state(draft) == before


@pytest.mark.django_db
def test_renamed_exe_upload_is_refused_and_nothing_saved(client, gd, draft):
    client.force_login(draft.applicant)
    before = snapshot_state(draft)
    upload = SimpleUploadedFile("证书.pdf", EXE, content_type="application/pdf")
    response = client.post(edit_url(draft), form_data(gd, name="新名字", attachment_kind="id_copy",
                                                      attachment_file=upload))
    assert "只接受 PDF、JPG 或 PNG" in " ".join(response.context["form"].errors["attachment_file"])
    assert snapshot_state(draft) == before


@pytest.mark.django_db
def test_oversized_upload_is_refused(client, gd, draft, settings):
    settings.QUORUM_MAX_UPLOAD_BYTES = 100
    client.force_login(draft.applicant)
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * 200, content_type="application/pdf")
    response = client.post(edit_url(draft), form_data(gd, attachment_kind="id_copy", attachment_file=upload))
    assert "文件过大" in " ".join(response.context["form"].errors["attachment_file"])
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_file_without_kind_is_refused(client, gd, draft):
    client.force_login(draft.applicant)
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    response = client.post(edit_url(draft), form_data(gd, attachment_file=upload))
    assert response.context["form"].errors["attachment_kind"] == ["请选择附件类别。"]
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_save_draft_normalises_and_stores_with_an_upload(client, gd, draft):
    client.force_login(draft.applicant)
    number = next(n for n in (valid_resident_id(seq=f"{i:03d}") for i in range(1000)) if n.endswith("X"))
    upload = SimpleUploadedFile("身份证.jpg", b"\xff\xd8\xff\xe0" + b"0" * 30, content_type="image/jpeg")
    response = client.post(edit_url(draft), form_data(gd, id_number=number.lower(), birth_date="",
                                                      attachment_kind="id_copy", attachment_file=upload))
    assert response.status_code == 302 and response["Location"] == edit_url(draft)
    profile = ExpertProfile.objects.get(pk=draft.profile_id)
    assert profile.id_number == number and profile.birth_date == date(1975, 6, 15)  # filled from the ID
    assert profile.phone == "13912345678" and profile.recent_employers == ["广东省质量研究院", "某检测公司"]
    att = Attachment.objects.get(application=draft)
    assert (att.kind, att.content_type, att.original_name) == ("id_copy", "image/jpeg", "身份证.jpg")


@pytest.mark.django_db
def test_remove_button_deletes_one_attachment(client, gd, draft, django_capture_on_commit_callbacks):
    keep, gone = add_pdf(draft, "id_copy"), add_pdf(draft, "other")
    client.force_login(draft.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(draft), form_data(gd, remove=str(gone.pk)))
    assert response.status_code == 302
    assert list(Attachment.objects.values_list("pk", flat=True)) == [keep.pk]


# ---- submit through the form ----------------------------------------------------------------

@pytest.mark.django_db
def test_submit_with_missing_items_puts_messages_on_fields_and_stays_draft(client, gd, draft):
    client.force_login(draft.applicant)
    response = client.post(edit_url(draft), form_data(gd, fields=[], address="", action="submit"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["fields"] == ["请至少选择一个专业领域。"]
    assert form.errors["address"] == ["提交前请填写此项。"]
    assert "请上传身份证件复印件。" in form.non_field_errors()
    assert Application.objects.get(pk=draft.pk).status == S.DRAFT


@pytest.mark.django_db
def test_ineligible_submit_shows_one_message_per_rule(client, gd, draft):
    add_pdf(draft, "id_copy"), add_pdf(draft, "degree_cert")
    client.force_login(draft.applicant)
    response = client.post(edit_url(draft), form_data(gd, title_level="intermediate", action="submit"))
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 2 and all("第六条（一）" in e for e in errors)
    assert "不符合“具有副高级以上技术职称”" in response.content.decode()
    assert Application.objects.get(pk=draft.pk).status == S.DRAFT


@pytest.mark.django_db
def test_complete_submit_goes_to_the_detail_page(client, gd, draft):
    add_pdf(draft, "id_copy"), add_pdf(draft, "title_cert")
    client.force_login(draft.applicant)
    response = client.post(edit_url(draft), form_data(gd, action="submit"), follow=True)
    assert response.redirect_chain[-1][0] == draft.get_absolute_url()
    assert Application.objects.get(pk=draft.pk).status == S.SUBMITTED
    html = response.content.decode()
    assert "等待秘书处审核" in html and 'data-action="experts.application.submit"' in html


@pytest.mark.django_db
def test_submit_button_on_detail_page_reports_errors(client, gd, draft):
    client.force_login(draft.applicant)
    response = client.post(reverse("experts:application-submit", args=[draft.pk]), follow=True)
    assert response.redirect_chain[-1][0] == edit_url(draft)
    assert "请上传身份证件复印件。" in response.content.decode()


# ---- returned, timeline, detail -----------------------------------------------------------

@pytest.mark.django_db
def test_returned_application_shows_comments_by_section_and_can_be_resubmitted(client, gd, applicant):
    app = make_application(gd, S.RETURNED, profile=ProfileFactory(user=applicant),
                           return_comments={"identity": "身份证复印件不清晰", "cv": "请补充项目经历"})
    add_pdf(app, "id_copy"), add_pdf(app, "title_cert")
    client.force_login(applicant)
    page = client.get(edit_url(app)).content.decode()
    assert 'data-testid="comment-identity"' in page and "身份证复印件不清晰" in page
    assert 'data-testid="comment-cv"' in page and "请补充项目经历" in page
    assert "重新提交" in page
    response = client.post(edit_url(app), form_data(gd, action="submit"))
    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


@pytest.mark.django_db
def test_timeline_shows_public_parts_only(client, gd, applicant):
    app = make_application(gd, S.RETURNED, profile=ProfileFactory(user=applicant),
                           return_comments={"cv": "请补充项目经历"})
    staff = UserFactory()
    audit.record(staff, "experts.application.verify", app, body=gd,
                 data={"unit_name": "某单位", "notes": "内部核实备注-勿外传"})
    audit.record(staff, "experts.application.return", app, body=gd,
                 data={"comments": {"cv": "请补充项目经历"}, "internal": "秘书处内部意见"})
    client.force_login(applicant)
    html = client.get(app.get_absolute_url()).content.decode()
    assert "所在单位已核实" in html and "退回修改" in html and "请补充项目经历" in html
    assert "个人简历与申请说明" in html  # the section's title, not its key
    assert "内部核实备注-勿外传" not in html and "秘书处内部意见" not in html


@pytest.mark.django_db
def test_strangers_get_404_on_someone_elses_application(client, gd, draft):
    client.force_login(UserFactory())
    for name in ("application-detail", "application-edit", "application-withdraw"):
        assert client.get(reverse(f"experts:{name}", args=[draft.pk])).status_code == 404
    assert client.post(reverse("experts:application-submit", args=[draft.pk])).status_code == 404


# ---- withdraw --------------------------------------------------------------------------

@pytest.mark.django_db
def test_withdraw_needs_confirmation(client, gd, draft):
    client.force_login(draft.applicant)
    url = reverse("experts:application-withdraw", args=[draft.pk])
    assert "确认撤回" in client.get(url).content.decode()
    response = client.post(url, {"reason": "另有安排"})
    assert "confirm" in response.context["form"].errors
    assert Application.objects.get(pk=draft.pk).status == S.DRAFT
    response = client.post(url, {"reason": "另有安排", "confirm": "on"})
    assert response["Location"] == draft.get_absolute_url()
    assert Application.objects.get(pk=draft.pk).status == S.WITHDRAWN


@pytest.mark.django_db
def test_withdraw_of_an_approved_application_is_not_offered(client, gd, applicant):
    app = make_application(gd, S.APPROVED, profile=ProfileFactory(user=applicant))
    client.force_login(applicant)
    assert "撤回申请" not in client.get(app.get_absolute_url()).content.decode()
    client.post(reverse("experts:application-withdraw", args=[app.pk]), {"confirm": "on"})
    assert Application.objects.get(pk=app.pk).status == S.APPROVED


# ---- my applications -------------------------------------------------------------------

@pytest.mark.django_db
def test_my_applications_lists_every_body_with_constant_queries(client, pools, django_assert_max_num_queries):
    user = UserFactory()
    profile = ProfileFactory(user=user)
    make_application(pools["gd-quality"], S.SUBMITTED, profile=profile)
    client.force_login(user)
    url = reverse("experts:my-applications")
    with django_assert_max_num_queries(8):
        one = client.get(url)
    assert pools["gd-quality"].name_zh in one.content.decode()
    for key in ("jm-storage", "xx-random"):
        make_application(pools[key], S.RETURNED, profile=profile)
    for _i in range(30):
        make_application(pools["jm-storage"], S.WITHDRAWN, profile=profile)
    with django_assert_max_num_queries(8):
        many = client.get(url)
    html = many.content.decode()
    assert pools["xx-random"].name_zh in html and "退回修改" in html
    assert many.context["page_obj"].paginator.count == 33 and len(many.context["applications"]) == 25


@pytest.mark.django_db
def test_my_applications_requires_login(client):
    response = client.get(reverse("experts:my-applications"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---- attachment download -------------------------------------------------------------

@pytest.mark.django_db
def test_owner_downloads_own_attachment_as_a_file(client, draft):
    att = add_pdf(draft, "id_copy")
    client.force_login(draft.applicant)
    response = client.get(reverse("experts:attachment-download", args=[att.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
@pytest.mark.parametrize("role, status", [(Role.SECRETARIAT, 200), (Role.APPROVER, 200), (Role.SUPERVISOR, 200),
                                          (Role.MEMBER, 404), (Role.EXPERT, 404)])
def test_body_staff_download_and_others_get_404(client, gd, draft, role, status):
    att = add_pdf(draft, "id_copy")
    user = UserFactory()
    grant(user, gd, role)
    client.force_login(user)
    assert client.get(reverse("experts:attachment-download", args=[att.pk])).status_code == status


@pytest.mark.django_db
def test_staff_of_another_body_and_strangers_get_404_like_a_missing_file(client, pools, draft):
    att = add_pdf(draft, "id_copy")
    other = UserFactory()
    grant(other, pools["xx-random"], Role.SECRETARIAT)
    for user in (other, UserFactory()):
        client.force_login(user)
        assert client.get(reverse("experts:attachment-download", args=[att.pk])).status_code == 404
        assert client.get(reverse("experts:attachment-download", args=[att.pk + 999])).status_code == 404


@pytest.mark.django_db
def test_attachment_has_no_url_under_media(client, draft):
    att = add_pdf(draft, "id_copy")
    with pytest.raises(ValueError):
        att.file.url
    assert not att.file.name.startswith(settings.MEDIA_URL.strip("/"))
    client.force_login(draft.applicant)
    assert client.get(settings.MEDIA_URL + att.file.name).status_code == 404
    assert client.get(settings.MEDIA_URL + "private/" + att.file.name).status_code == 404
