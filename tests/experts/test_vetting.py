"""Secretariat vetting and approver decisions (experts.services.vetting) and their selectors."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from experts.models import Application, ExpertField, UnitVerification
from experts.selectors import vetting as selectors
from experts.services import vetting
from experts.services.vetting import VettingError
from portal.models import AuditEvent, Notification, Role
from portal.workflows import InvalidTransition
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory, grant

S = Application.Status
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 30, tzinfo=TZ)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def staff(pools):
    """Secretary and approver of every expert-pool body, plus a secretary of another body."""
    people = {}
    for key in ("gd-quality", "xx-random", "jm-storage"):
        people[f"sec-{key}"] = UserFactory(name=f"秘书-{key}")
        grant(people[f"sec-{key}"], pools[key], Role.SECRETARIAT)
        people[f"appr-{key}"] = UserFactory(name=f"审批-{key}")
        grant(people[f"appr-{key}"], pools[key], Role.APPROVER)
    people["supervisor"] = UserFactory(name="纪委")
    grant(people["supervisor"], pools["gd-quality"], Role.SUPERVISOR)
    return people


def last_event(app):
    return AuditEvent.objects.filter(target_id=str(app.pk), action__startswith="experts.application.").latest("seq")


def notifications(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind))


# ------------------------------------------------------------------ return for fixes

@pytest.mark.django_db
def test_return_for_fixes_stores_comments_audits_and_tells_the_applicant(
        pools, staff, django_capture_on_commit_callbacks, mailoutbox):
    app = make_application(pools["gd-quality"])
    with django_capture_on_commit_callbacks(execute=True):
        vetting.return_for_fixes(app, actor=staff["sec-gd-quality"], now=NOW,
                                 comments={"qualifications": "请补充职称证书编号", "cv": "  ", "identity": ""})
    app.refresh_from_db()
    assert app.status == S.RETURNED
    assert app.return_comments == {"qualifications": "请补充职称证书编号"}
    assert app.decided_at == NOW
    event = last_event(app)
    assert event.action == "experts.application.return"
    assert event.data == {"from": "submitted", "to": "returned", "comments": {"qualifications": "请补充职称证书编号"}}
    assert event.actor == staff["sec-gd-quality"]
    assert [m.to for m in mailoutbox] == [[app.applicant.email]]
    assert "【职称、学位与执业资格】请补充职称证书编号" in mailoutbox[0].body
    (note,) = notifications(app.applicant, "vetting_returned")
    assert note.url == f"/experts/applications/{app.pk}/"


@pytest.mark.django_db
def test_return_needs_at_least_one_comment(pools, staff):
    app = make_application(pools["gd-quality"])
    with pytest.raises(VettingError) as exc:
        vetting.return_for_fixes(app, actor=staff["sec-gd-quality"], comments={"cv": "   "})
    assert exc.value.message_dict == {"comments": ["请至少对一个部分填写修改意见。"]}
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.return_comments == {}
    assert not AuditEvent.objects.filter(action="experts.application.return").exists()


@pytest.mark.django_db
def test_return_refuses_unknown_sections(pools, staff):
    app = make_application(pools["gd-quality"])
    with pytest.raises(VettingError) as exc:
        vetting.return_for_fixes(app, actor=staff["sec-gd-quality"], comments={"salary": "太低"})
    assert "salary" in exc.value.message_dict["comments"][0]


@pytest.mark.django_db
def test_return_of_a_verified_application_is_allowed(pools, staff):
    app = make_application(pools["xx-random"], status=S.VERIFIED)
    vetting.return_for_fixes(app, actor=staff["sec-xx-random"], comments={"work": "单位名称与核实函不一致"})
    app.refresh_from_db()
    assert app.status == S.RETURNED


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED, S.FORWARDED, S.APPROVED, S.REJECTED])
def test_return_in_a_wrong_state_is_refused(pools, staff, status):
    app = make_application(pools["gd-quality"], status=status)
    with pytest.raises(InvalidTransition):
        vetting.return_for_fixes(app, actor=staff["sec-gd-quality"], comments={"cv": "补充"})
    app.refresh_from_db()
    assert app.status == status


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["appr-gd-quality", "supervisor", "sec-xx-random", "applicant"])
def test_return_by_someone_without_manage_experts_here_is_denied(pools, staff, who):
    app = make_application(pools["gd-quality"])
    actor = app.applicant if who == "applicant" else staff[who]
    with pytest.raises(PermissionDenied):
        vetting.return_for_fixes(app, actor=actor, comments={"cv": "补充"})
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


# ------------------------------------------------------------------ reject

@pytest.mark.django_db
def test_secretariat_rejects_with_reason_and_the_applicant_is_told(
        pools, staff, django_capture_on_commit_callbacks, mailoutbox):
    app = make_application(pools["gd-quality"])
    with django_capture_on_commit_callbacks(execute=True):
        vetting.reject(app, actor=staff["sec-gd-quality"], reason="  不具备副高级以上职称  ", now=NOW)
    app.refresh_from_db()
    assert (app.status, app.decision_reason, app.decided_at) == (S.REJECTED, "不具备副高级以上职称", NOW)
    assert last_event(app).data == {"from": "submitted", "to": "rejected", "reason": "不具备副高级以上职称"}
    assert len(mailoutbox) == 1 and "理由：不具备副高级以上职称" in mailoutbox[0].body
    assert mailoutbox[0].subject == "您向“广东省质量发展智库”提交的申请未获通过"


@pytest.mark.django_db
def test_reject_without_reason_is_refused_and_changes_nothing(pools, staff):
    app = make_application(pools["gd-quality"])
    with pytest.raises(VettingError) as exc:
        vetting.reject(app, actor=staff["sec-gd-quality"], reason="   ")
    assert exc.value.message_dict == {"reason": ["请填写不予通过的理由。"]}
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.decision_reason == ""


@pytest.mark.django_db
def test_approver_rejects_a_forwarded_application(pools, staff):
    app = make_application(pools["gd-quality"], status=S.FORWARDED)
    vetting.reject(app, actor=staff["appr-gd-quality"], reason="理事会审议未通过")
    app.refresh_from_db()
    assert app.status == S.REJECTED and app.decision_reason == "理事会审议未通过"


@pytest.mark.django_db
def test_approver_may_not_reject_before_forwarding(pools, staff):
    app = make_application(pools["gd-quality"])
    with pytest.raises(PermissionDenied):
        vetting.reject(app, actor=staff["appr-gd-quality"], reason="不符合")


@pytest.mark.django_db
def test_secretariat_may_not_reject_once_forwarded(pools, staff):
    app = make_application(pools["gd-quality"], status=S.FORWARDED)
    with pytest.raises(PermissionDenied):
        vetting.reject(app, actor=staff["sec-gd-quality"], reason="不符合")


@pytest.mark.django_db
def test_reject_of_an_approved_application_is_an_invalid_move(pools, staff):
    app = make_application(pools["gd-quality"], status=S.APPROVED)
    with pytest.raises(InvalidTransition):
        vetting.reject(app, actor=staff["appr-gd-quality"], reason="不符合")


# ------------------------------------------------------------------ forward and unit verification

@pytest.mark.django_db
def test_forward_tells_the_applicant_and_every_approver(pools, staff, django_capture_on_commit_callbacks,
                                                        mailoutbox):
    app = make_application(pools["gd-quality"])
    second_approver = UserFactory()
    grant(second_approver, pools["gd-quality"], Role.APPROVER)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.forward(app, actor=staff["sec-gd-quality"])
    app.refresh_from_db()
    assert app.status == S.FORWARDED
    assert last_event(app).data == {"from": "submitted", "to": "forwarded"}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [app.applicant.email, staff["appr-gd-quality"].email, second_approver.email])
    (to_approver,) = notifications(staff["appr-gd-quality"], "vetting_to_approve")
    assert to_approver.url == f"/bodies/gd-quality/applications/{app.pk}/"
    assert notifications(staff["appr-xx-random"], "vetting_to_approve") == []


@pytest.mark.django_db
def test_xx_random_refuses_to_forward_without_unit_verification(pools, staff):
    app = make_application(pools["xx-random"])
    with pytest.raises(VettingError) as exc:
        vetting.forward(app, actor=staff["sec-xx-random"])
    assert "须经所在单位核实" in exc.value.messages[0]
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    assert not AuditEvent.objects.filter(action="experts.application.forward").exists()


@pytest.mark.django_db
def test_xx_random_forwards_after_unit_verification(pools, staff):
    app = make_application(pools["xx-random"])
    vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="新县机械厂",
                                     verifier_name="王科长", method=UnitVerification.Method.PHONE)
    vetting.forward(app, actor=staff["sec-xx-random"])
    app.refresh_from_db()
    assert app.status == S.FORWARDED


@pytest.mark.django_db
def test_jm_storage_forwards_without_unit_verification(pools, staff):
    app = make_application(pools["jm-storage"])
    vetting.forward(app, actor=staff["sec-jm-storage"])
    app.refresh_from_db()
    assert app.status == S.FORWARDED


@pytest.mark.django_db
def test_a_verification_older_than_the_last_submission_does_not_count(pools, staff):
    app = make_application(pools["xx-random"])
    vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="新县机械厂",
                                     verifier_name="王科长", method=UnitVerification.Method.PHONE)
    # returned, corrected and resubmitted later: the employer confirmed the earlier statements only
    Application.objects.filter(pk=app.pk).update(status=S.SUBMITTED,
                                                 submitted_at=app.unit_verification.recorded_at + timedelta(hours=1))
    with pytest.raises(VettingError):
        vetting.forward(app, actor=staff["sec-xx-random"])


@pytest.mark.django_db
def test_forward_by_another_bodys_secretary_is_denied(pools, staff):
    app = make_application(pools["gd-quality"])
    with pytest.raises(PermissionDenied):
        vetting.forward(app, actor=staff["sec-xx-random"])


@pytest.mark.django_db
def test_unit_verification_with_letter_is_recorded_and_audited(pools, staff, settings, tmp_path,
                                                               django_capture_on_commit_callbacks, mailoutbox):
    settings.MEDIA_ROOT = tmp_path
    app = make_application(pools["xx-random"])
    letter = SimpleUploadedFile("核实函.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        v = vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name=" 新县机械厂 ",
                                             verifier_name="王科长", method=UnitVerification.Method.LETTER,
                                             letter=letter, notes="单位盖章确认")
    app.refresh_from_db()
    assert app.status == S.VERIFIED
    assert (v.unit_name, v.verifier_name, v.recorded_by) == ("新县机械厂", "王科长", staff["sec-xx-random"])
    assert v.letter.name.startswith(f"unit-letters/{app.pk}/") and v.letter.name.endswith(".pdf")
    with v.letter.open("rb") as f:
        assert f.read() == PDF
    assert last_event(app).data["letter_type"] == "application/pdf"
    assert "核实单位：新县机械厂" in mailoutbox[0].body


@pytest.mark.django_db
def test_unit_letter_is_checked_by_its_bytes(pools, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    app = make_application(pools["xx-random"])
    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(VettingError) as exc:
        vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="新县机械厂",
                                         verifier_name="王科长", method=UnitVerification.Method.LETTER,
                                         letter=fake)
    assert list(exc.value.message_dict) == ["letter"]
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and not UnitVerification.objects.exists()


@pytest.mark.django_db
def test_letter_method_needs_the_letter(pools, staff):
    app = make_application(pools["xx-random"])
    with pytest.raises(VettingError) as exc:
        vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="新县机械厂",
                                         verifier_name="王科长", method=UnitVerification.Method.LETTER)
    assert exc.value.message_dict == {"letter": ["核实方式为单位书面函件时，请上传函件。"]}


@pytest.mark.django_db
def test_unit_verification_needs_unit_and_verifier(pools, staff):
    app = make_application(pools["xx-random"])
    with pytest.raises(VettingError) as exc:
        vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name=" ", verifier_name="王",
                                         method=UnitVerification.Method.PHONE)
    assert list(exc.value.message_dict) == ["unit_name"]


@pytest.mark.django_db
def test_unit_verification_of_a_forwarded_application_is_an_invalid_move(pools, staff):
    app = make_application(pools["xx-random"], status=S.FORWARDED)
    with pytest.raises(InvalidTransition):
        vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="新县机械厂",
                                         verifier_name="王科长", method=UnitVerification.Method.PHONE)
    assert not UnitVerification.objects.exists()


@pytest.mark.django_db
def test_re_verification_after_a_send_back_replaces_the_record(pools, staff):
    app = make_application(pools["xx-random"])
    vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="甲厂", verifier_name="王",
                                     method=UnitVerification.Method.PHONE)
    vetting.forward(app, actor=staff["sec-xx-random"])
    vetting.send_back(app, actor=staff["appr-xx-random"], reason="请再次核实任职情况")
    vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="乙厂", verifier_name="李",
                                     method=UnitVerification.Method.VISIT)
    assert list(UnitVerification.objects.values_list("unit_name", flat=True)) == ["乙厂"]


# ------------------------------------------------------------------ approver

@pytest.mark.django_db
def test_approver_approves_and_the_applicant_hears_about_the_notice(
        pools, staff, django_capture_on_commit_callbacks, mailoutbox):
    app = make_application(pools["gd-quality"], status=S.FORWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.approve(app, actor=staff["appr-gd-quality"], now=NOW)
    app.refresh_from_db()
    assert (app.status, app.decided_at) == (S.APPROVED, NOW)
    assert last_event(app).data == {"from": "forwarded", "to": "approved"}
    assert "入库前须经公示" in mailoutbox[0].body


@pytest.mark.django_db
def test_jm_storage_approval_mail_says_no_notice(pools, staff, django_capture_on_commit_callbacks, mailoutbox):
    app = make_application(pools["jm-storage"], status=S.FORWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.approve(app, actor=staff["appr-jm-storage"])
    assert "秘书处将为您办理入库" in mailoutbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sec-gd-quality", "supervisor", "appr-xx-random"])
def test_approve_without_approve_permission_here_is_denied(pools, staff, who):
    app = make_application(pools["gd-quality"], status=S.FORWARDED)
    with pytest.raises(PermissionDenied):
        vetting.approve(app, actor=staff[who])
    app.refresh_from_db()
    assert app.status == S.FORWARDED


@pytest.mark.django_db
def test_approve_before_forwarding_is_an_invalid_move(pools, staff):
    app = make_application(pools["gd-quality"])
    with pytest.raises(InvalidTransition):
        vetting.approve(app, actor=staff["appr-gd-quality"])


@pytest.mark.django_db
def test_batch_approve_is_all_or_nothing_per_item(pools, staff, django_capture_on_commit_callbacks, mailoutbox):
    body = pools["gd-quality"]
    forwarded = [make_application(body, status=S.FORWARDED) for _ in range(3)]
    stale = make_application(body, status=S.SUBMITTED)  # sent back meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        result = vetting.approve_many([*forwarded, stale], actor=staff["appr-gd-quality"])
    assert [a.pk for a in result] == [a.pk for a in forwarded]
    assert [(a.pk, msg) for a, msg in result.failed] == [(stale.pk, "不能从“已提交”变更为“已批准”。")]
    assert set(Application.objects.filter(pk__in=[a.pk for a in forwarded]).values_list("status", flat=True)) \
        == {S.APPROVED}
    stale.refresh_from_db()
    assert stale.status == S.SUBMITTED
    assert AuditEvent.objects.filter(action="experts.application.approve").count() == 3
    assert len(mailoutbox) == 3


@pytest.mark.django_db
def test_batch_approve_reports_permission_failures(pools, staff):
    app = make_application(pools["xx-random"], status=S.FORWARDED)
    result = vetting.approve_many([app], actor=staff["appr-gd-quality"])
    assert list(result) == [] and result.failed[0][0] == app
    app.refresh_from_db()
    assert app.status == S.FORWARDED


@pytest.mark.django_db
def test_send_back_returns_to_the_secretariat_with_reason(pools, staff, django_capture_on_commit_callbacks,
                                                          mailoutbox):
    app = make_application(pools["gd-quality"], status=S.FORWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.send_back(app, actor=staff["appr-gd-quality"], reason="请核实其担任高管的年限")
    app.refresh_from_db()
    assert (app.status, app.decision_reason) == (S.SUBMITTED, "请核实其担任高管的年限")
    assert last_event(app).data == {"from": "forwarded", "to": "submitted", "reason": "请核实其担任高管的年限"}
    (to_sec,) = notifications(staff["sec-gd-quality"], "vetting_sent_back")
    assert "理由：请核实其担任高管的年限" in to_sec.text
    assert notifications(app.applicant, "vetting_reopened")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([app.applicant.email, staff["sec-gd-quality"].email])


@pytest.mark.django_db
def test_send_back_needs_a_reason(pools, staff):
    app = make_application(pools["gd-quality"], status=S.FORWARDED)
    with pytest.raises(VettingError):
        vetting.send_back(app, actor=staff["appr-gd-quality"], reason="")
    app.refresh_from_db()
    assert app.status == S.FORWARDED


@pytest.mark.django_db
def test_secretariat_cannot_send_back_to_itself(pools, staff):
    app = make_application(pools["gd-quality"], status=S.FORWARDED)
    with pytest.raises(PermissionDenied):
        vetting.send_back(app, actor=staff["sec-gd-quality"], reason="撤回")


# ------------------------------------------------------------------ age exemption

@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.RETURNED])
def test_age_exemption_is_recorded_and_audited(pools, staff, status, django_capture_on_commit_callbacks,
                                               mailoutbox):
    app = make_application(pools["gd-quality"], status=status)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.grant_age_exemption(app, actor=staff["sec-gd-quality"], reason="中国工程院院士")
    app.refresh_from_db()
    assert (app.age_exemption_by, app.age_exemption_reason, app.status) == (
        staff["sec-gd-quality"], "中国工程院院士", status)
    event = last_event(app)
    assert event.action == "experts.application.age_exemption"
    assert event.data == {"before": {"by": None, "reason": ""},
                          "after": {"by": staff["sec-gd-quality"].pk, "reason": "中国工程院院士"}}
    assert "豁免理由：中国工程院院士" in mailoutbox[0].body


@pytest.mark.django_db
def test_age_exemption_needs_a_named_reason(pools, staff):
    app = make_application(pools["gd-quality"])
    with pytest.raises(VettingError) as exc:
        vetting.grant_age_exemption(app, actor=staff["sec-gd-quality"], reason=" ")
    assert list(exc.value.message_dict) == ["reason"]
    app.refresh_from_db()
    assert app.age_exemption_by is None


@pytest.mark.django_db
def test_age_exemption_is_refused_where_there_is_no_age_limit(pools, staff):
    app = make_application(pools["jm-storage"])
    with pytest.raises(VettingError) as exc:
        vetting.grant_age_exemption(app, actor=staff["sec-jm-storage"], reason="院士")
    assert "没有年龄上限" in exc.value.messages[0]


@pytest.mark.django_db
def test_age_exemption_after_approval_is_refused(pools, staff):
    app = make_application(pools["gd-quality"], status=S.APPROVED)
    with pytest.raises(VettingError):
        vetting.grant_age_exemption(app, actor=staff["sec-gd-quality"], reason="院士")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["appr-gd-quality", "supervisor", "sec-xx-random"])
def test_age_exemption_needs_manage_experts_in_the_body(pools, staff, who):
    app = make_application(pools["gd-quality"])
    with pytest.raises(PermissionDenied):
        vetting.grant_age_exemption(app, actor=staff[who], reason="院士")


# ------------------------------------------------------------------ selectors

def _field(body, code):
    return ExpertField.objects.get(body=body, code=code)


@pytest.mark.django_db
def test_queue_field_filter_includes_child_fields(pools):
    body = pools["gd-quality"]
    parent = make_application(body, fields=[_field(body, "quality-management")])
    child = make_application(body, fields=[_field(body, "brand")])
    make_application(body, fields=[_field(body, "metrology")])
    assert {a.pk for a in selectors.queue(body, field=_field(body, "quality-management"))} == {parent.pk, child.pk}
    assert [a.pk for a in selectors.queue(body, field=_field(body, "brand"))] == [child.pk]


@pytest.mark.django_db
def test_queue_filters_by_status_region_title_date_and_search(pools):
    body = pools["gd-quality"]
    a = make_application(body, profile=ProfileFactory(name="陈质量", region="深圳市", title_level="senior",
                                                      employer="深圳计量院"))
    b = make_application(body, status=S.VERIFIED, profile=ProfileFactory(region="广州市"))
    draft = make_application(body, status=S.DRAFT)
    Application.objects.filter(pk=a.pk).update(submitted_at=datetime(2026, 3, 1, 23, 30, tzinfo=TZ))
    Application.objects.filter(pk=b.pk).update(submitted_at=datetime(2026, 3, 2, 0, 10, tzinfo=TZ))
    pks = lambda **kw: sorted(x.pk for x in selectors.queue(body, **kw))  # noqa: E731
    assert pks() == sorted([a.pk, b.pk])  # drafts only on request
    assert pks(status=S.DRAFT) == [draft.pk]
    assert pks(status=selectors.WAITING) == sorted([a.pk, b.pk])
    assert pks(status=S.VERIFIED) == [b.pk]
    assert pks(region="深圳市") == [a.pk]
    assert pks(title_level="senior") == [a.pk]
    assert pks(submitted_to=datetime(2026, 3, 1).date()) == [a.pk]  # local day ends at 24:00 +08:00
    assert pks(submitted_from=datetime(2026, 3, 2).date()) == [b.pk]
    assert pks(q="计量院") == [a.pk] and pks(q="陈质") == [a.pk]
    assert selectors.regions(body) == ["广州市", "深圳市"]


@pytest.mark.django_db
def test_queue_never_lists_another_bodys_applications(pools):
    make_application(pools["xx-random"])
    assert list(selectors.queue(pools["gd-quality"])) == []


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 60])
def test_queue_and_export_rows_use_constant_queries(pools, django_assert_max_num_queries, rows):
    body = pools["gd-quality"]
    for _ in range(rows):
        make_application(body)
    parent = _field(body, "quality-management")
    with django_assert_max_num_queries(3):
        out = list(selectors.export_rows(selectors.queue(body, field=parent)))
    assert len(out) == rows
    assert out[0][4] == "质量管理"


@pytest.mark.django_db
def test_export_rows_carry_no_contact_or_identity_data(pools):
    profile = ProfileFactory(phone="13912345678", address="秘密路 9 号")
    make_application(pools["gd-quality"], profile=profile)
    (row,) = list(selectors.export_rows(selectors.queue(pools["gd-quality"])))
    text = " ".join(str(c) for c in row)
    for private in (profile.id_number, profile.phone, profile.email, profile.address, "1975-06-15"):
        assert private not in text


@pytest.mark.django_db
def test_history_lists_every_decision_of_the_application(pools, staff):
    app = make_application(pools["gd-quality"])
    vetting.forward(app, actor=staff["sec-gd-quality"])
    vetting.send_back(app, actor=staff["appr-gd-quality"], reason="补充材料")
    vetting.return_for_fixes(app, actor=staff["sec-gd-quality"], comments={"attachments": "缺职称证书"})
    other = make_application(pools["gd-quality"])
    vetting.forward(other, actor=staff["sec-gd-quality"])
    events = selectors.history(app)
    assert [e.label for e in events] == ["提交审批", "退回秘书处", "退回修改"]
    assert events[1].reason == "补充材料"
    assert events[2].comments == [("证明材料", "缺职称证书")]


@pytest.mark.django_db
def test_pending_tasks_count_work_per_body_and_role(pools, staff):
    for _ in range(2):
        make_application(pools["gd-quality"])
    make_application(pools["gd-quality"], status=S.VERIFIED)
    make_application(pools["gd-quality"], status=S.FORWARDED)
    make_application(pools["xx-random"])
    assert selectors.pending_tasks(staff["sec-gd-quality"]) == [{
        "title": "“广东省质量发展智库”有 3 份入库申请待审核",
        "url": "/bodies/gd-quality/applications/?status=waiting", "due_display": ""}]
    assert selectors.pending_tasks(staff["appr-gd-quality"]) == [{
        "title": "“广东省质量发展智库”有 1 份入库申请待审批",
        "url": "/bodies/gd-quality/approvals/", "due_display": ""}]
    assert selectors.pending_tasks(staff["supervisor"]) == []
    assert selectors.pending_tasks(staff["appr-jm-storage"]) == []


@pytest.mark.django_db
def test_verification_time_follows_the_service_clock(pools, staff):
    app = make_application(pools["xx-random"])
    Application.objects.filter(pk=app.pk).update(submitted_at=NOW)
    app.refresh_from_db()
    v = vetting.record_unit_verification(app, actor=staff["sec-xx-random"], unit_name="新县机械厂",
                                         verifier_name="王科长", method=UnitVerification.Method.PHONE,
                                         now=NOW + timedelta(hours=1))
    v.refresh_from_db()
    assert v.recorded_at == NOW + timedelta(hours=1)
    vetting.forward(app, actor=staff["sec-xx-random"], now=NOW + timedelta(hours=2))
    app.refresh_from_db()
    assert app.status == S.FORWARDED
