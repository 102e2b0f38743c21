"""Applicant services: start, draft, attachments, submit (completeness + eligibility),
return and resubmit, withdraw; refused moves and strangers."""
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from experts.eligibility import EligibilityError
from experts.models import Application, Attachment, Call, ExpertField, ExpertProfile
from experts.services import applications as svc
from portal.models import AuditEvent, Notification, Role
from portal.workflows import InvalidTransition
from tests.experts.factories import valid_resident_id
from tests.factories import UserFactory, grant

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=TZ)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40
S = Application.Status

PROFILE = dict(
    name="李青", gender="female", birth_date=date(1975, 6, 15), id_type="resident",
    id_number=valid_resident_id(date(1975, 6, 15)), phone="13912345678", email="li@example.cn",
    address="广州市天河区体育西路 1 号", employer="广东省质量研究院", employer_type="institution",
    position="室主任", is_executive=False, executive_since=None, work_since=2000, title="高级工程师",
    title_level="deputy_senior", degree="master", degree_year=2005, licence="", licence_year=None,
    region="广州市", cv="长期从事质量管理研究。", recent_employers=["广东省质量研究院"], close_relations="",
    shareholdings="",
)


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    """Delete the files this test stored (MEDIA_ROOT is shared; rows are rolled back after)."""
    yield
    for att in Attachment.objects.all():
        att.file.storage.delete(att.file.name)


def pdf(name="证书.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def events(app, action=None):
    qs = AuditEvent.objects.filter(target_id=str(app.pk), action__startswith="experts.application.")
    return qs.filter(action=action) if action else qs


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


@pytest.fixture
def secretary(gd):
    user = UserFactory(name="秘书")
    grant(user, gd, Role.SECRETARIAT)
    return user


@pytest.fixture
def applicant(db):
    return UserFactory(name="李青", mobile="13912345678")


def complete(body, user, *, now=NOW, codes=("standardization",), profile=None):
    """A draft with complete data and the two required attachments, through the services."""
    app = svc.start_application(body, actor=user, now=now)
    svc.save_draft(app, actor=user, profile_data=profile or PROFILE,
                   fields=list(ExpertField.objects.filter(body=body, code__in=codes)))
    svc.add_attachment(app, actor=user, kind="id_copy", upload=pdf("身份证.pdf"))
    svc.add_attachment(app, actor=user, kind="title_cert", upload=pdf("职称.pdf"))
    return app


# ---- start -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_start_creates_a_profile_prefilled_from_the_account_and_audits(gd, applicant):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    profile = ExpertProfile.objects.get(user=applicant)
    assert (profile.name, profile.email, profile.phone) == ("李青", applicant.email, "13912345678")
    assert app.status == S.DRAFT and app.profile == profile and app.call.body == gd
    assert list(events(app).values_list("action", flat=True)) == ["experts.application.start"]


@pytest.mark.django_db
def test_start_twice_returns_the_live_application(gd, applicant):
    first = svc.start_application(gd, actor=applicant, now=NOW)
    assert svc.start_application(gd, actor=applicant, now=NOW) == first
    assert Application.objects.filter(applicant=applicant).count() == 1


@pytest.mark.django_db
def test_a_second_body_reuses_the_profile(pools, applicant):
    a = svc.start_application(pools["gd-quality"], actor=applicant, now=NOW)
    b = svc.start_application(pools["jm-storage"], actor=applicant, now=NOW)
    assert a.profile_id == b.profile_id and ExpertProfile.objects.count() == 1


@pytest.mark.django_db
def test_start_is_refused_outside_the_enrolment_window(pools, applicant):
    with pytest.raises(svc.ApplicationClosed) as exc:
        svc.start_application(pools["xx-random"], actor=applicant, now=NOW)  # window opens 2026-11-01
    assert "没有开放的专家征集" in exc.value.messages[0]
    assert not Application.objects.exists()
    opened = datetime(2026, 11, 1, 0, 0, tzinfo=TZ)
    assert svc.start_application(pools["xx-random"], actor=applicant, now=opened).status == S.DRAFT


@pytest.mark.django_db
def test_anonymous_cannot_start(gd):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        svc.start_application(gd, actor=AnonymousUser(), now=NOW)


# ---- draft and attachments ----------------------------------------------------------------

@pytest.mark.django_db
def test_save_draft_updates_profile_and_fields_and_audits_names_not_values(gd, applicant):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    fields = list(ExpertField.objects.filter(body=gd, code__in=["metrology", "brand"]))
    svc.save_draft(app, actor=applicant, profile_data=PROFILE, fields=fields, field_years=12, statement="愿意参与")
    app.refresh_from_db()
    assert app.profile.id_number == PROFILE["id_number"] and app.field_years == 12
    assert sorted(f.code for f in app.fields.all()) == ["brand", "metrology"]
    event = events(app, "experts.application.save_draft").get()
    assert "id_number" in event.data["profile_changed"]
    assert PROFILE["id_number"] not in str(event.data) and PROFILE["phone"] not in str(event.data)


@pytest.mark.django_db
def test_save_draft_refuses_fields_of_another_body(pools, applicant):
    app = svc.start_application(pools["gd-quality"], actor=applicant, now=NOW)
    foreign = ExpertField.objects.filter(body=pools["jm-storage"])[:1]
    with pytest.raises(ValidationError) as exc:
        svc.save_draft(app, actor=applicant, profile_data={"name": "改名"}, fields=foreign)
    assert "fields" in exc.value.message_dict
    assert ExpertProfile.objects.get(user=applicant).name == "李青"


@pytest.mark.django_db
def test_attachment_is_stored_privately_with_checksum_and_no_url(gd, applicant):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    att = svc.add_attachment(app, actor=applicant, kind="id_copy", upload=pdf("身份证.PDF"))
    assert att.content_type == "application/pdf" and att.size == len(PDF) and att.original_name == "身份证.PDF"
    path = Path(att.file.path)
    assert path.read_bytes() == PDF
    assert Path(settings.MEDIA_ROOT, "private") in path.parents
    with pytest.raises(ValueError):
        att.file.url
    import hashlib
    assert att.sha256 == hashlib.sha256(PDF).hexdigest()
    assert events(app, "experts.application.attachment_add").get().data["kind"] == "id_copy"


@pytest.mark.django_db
def test_renamed_executable_is_refused_and_nothing_stored(gd, applicant):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    with pytest.raises(ValidationError) as exc:
        svc.add_attachment(app, actor=applicant, kind="id_copy",
                           upload=SimpleUploadedFile("证书.pdf", EXE, content_type="application/pdf"))
    assert "attachment_file" in exc.value.message_dict
    assert not Attachment.objects.exists() and not events(app, "experts.application.attachment_add").exists()


@pytest.mark.django_db
def test_remove_attachment_deletes_the_file_after_commit(gd, applicant, django_capture_on_commit_callbacks):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    att = svc.add_attachment(app, actor=applicant, kind="other", upload=pdf())
    path = Path(att.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        svc.remove_attachment(att, actor=applicant)
    assert not Attachment.objects.exists() and not path.exists()
    assert events(app, "experts.application.attachment_remove").get().data["name"] == "证书.pdf"


# ---- submit ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_submit_stores_snapshot_and_eligibility_audits_and_notifies(gd, applicant, secretary,
                                                                  django_capture_on_commit_callbacks):
    app = complete(gd, applicant)
    with django_capture_on_commit_callbacks(execute=True):
        svc.submit(app, actor=applicant, now=NOW)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.submitted_at == NOW
    assert app.snapshot["id_number"] == PROFILE["id_number"] and app.snapshot["birth_date"] == "1975-06-15"
    assert app.snapshot["fields"] == ["standardization"]
    assert sorted(a["kind"] for a in app.snapshot["attachments"]) == ["id_copy", "title_cert"]
    assert len(app.eligibility) == 4 and all(r["ok"] for r in app.eligibility if r["kind"] != "executive_years")
    assert events(app, "experts.application.submit").count() == 1
    assert Notification.objects.get(user=applicant, kind="application_submitted").url == app.get_absolute_url()
    staff_note = Notification.objects.get(user=secretary, kind="application_received")
    assert "李青" in staff_note.subject and f"/applications/{app.pk}/" in staff_note.url


@pytest.mark.django_db
def test_ineligible_submission_writes_nothing(gd, applicant, secretary):
    app = complete(gd, applicant, profile={**PROFILE, "title_level": "intermediate", "work_since": 2024})
    with pytest.raises(EligibilityError) as exc:
        svc.submit(app, actor=applicant, now=NOW)
    assert len(exc.value.messages) == 3
    app.refresh_from_db()
    assert (app.status, app.submitted_at, app.snapshot, app.eligibility) == (S.DRAFT, None, {}, [])
    assert not events(app, "experts.application.submit").exists()
    assert not Notification.objects.filter(kind__startswith="application_").exists()


@pytest.mark.django_db
def test_incomplete_submission_names_each_missing_item(gd, applicant):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    svc.save_draft(app, actor=applicant, profile_data={**PROFILE, "address": "", "degree": "master",
                                                        "degree_year": None}, fields=[])
    with pytest.raises(svc.IncompleteApplication) as exc:
        svc.submit(app, actor=applicant, now=NOW)
    errors = exc.value.message_dict
    assert set(errors) == {"address", "degree_year", "fields", "attachments"}
    assert errors["attachments"] == ["请上传身份证件复印件。", "请上传职称证书或学位/学历证书。"]
    assert Application.objects.get(pk=app.pk).status == S.DRAFT


@pytest.mark.django_db
def test_executive_needs_a_start_year_and_title_level_needs_a_title(gd, applicant):
    app = complete(gd, applicant, profile={**PROFILE, "is_executive": True, "executive_since": None, "title": ""})
    with pytest.raises(svc.IncompleteApplication) as exc:
        svc.submit(app, actor=applicant, now=NOW)
    assert set(exc.value.message_dict) == {"executive_since", "title"}


@pytest.mark.django_db
def test_draft_cannot_be_submitted_after_the_call_closed(gd, applicant):
    app = complete(gd, applicant)
    Call.objects.filter(body=gd).update(closes_at=datetime(2026, 6, 15, 9, 0, tzinfo=TZ))
    with pytest.raises(svc.ApplicationClosed):
        svc.submit(app, actor=applicant, now=NOW)


# ---- the whole path, and refused moves ----------------------------------------------------------

@pytest.mark.django_db
def test_draft_submit_returned_resubmit_withdraw(gd, applicant, secretary, django_capture_on_commit_callbacks):
    app = complete(gd, applicant)
    svc.submit(app, actor=applicant, now=NOW)
    with pytest.raises(svc.ApplicationClosed):  # submitted: no more edits
        svc.save_draft(app, actor=applicant, profile_data={"cv": "新简历"}, fields=[])
    # the secretariat returns it (arranged directly; the vetting service is another part)
    Application.objects.filter(pk=app.pk).update(status=S.RETURNED, return_comments={"cv": "请补充近五年项目。"})
    svc.save_draft(app, actor=applicant, profile_data={"cv": "补充了近五年的项目。"},
                   fields=list(app.fields.all()))
    # the call closed meanwhile: a returned application may still be resubmitted
    Call.objects.filter(body=gd).update(closes_at=datetime(2026, 6, 15, 9, 0, tzinfo=TZ))
    later = datetime(2026, 6, 20, 9, 0, tzinfo=TZ)
    svc.submit(app, actor=applicant, now=later)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.submitted_at == later and app.snapshot["cv"] == "补充了近五年的项目。"
    assert events(app, "experts.application.resubmit").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        svc.withdraw(app, actor=applicant, reason="工作调动")
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    assert events(app, "experts.application.withdraw").get().data == {"from": "submitted", "reason": "工作调动"}
    assert Notification.objects.filter(user=secretary, kind="application_withdrawn").count() == 1


@pytest.mark.django_db
def test_submitting_twice_is_refused(gd, applicant):
    app = complete(gd, applicant)
    svc.submit(app, actor=applicant, now=NOW)
    with pytest.raises(InvalidTransition):
        svc.submit(app, actor=applicant, now=NOW)
    assert events(app, "experts.application.submit").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.APPROVED, S.IN_NOTICE, S.ADMITTED, S.REJECTED, S.WITHDRAWN])
def test_withdraw_is_refused_once_approved_or_finished(gd, applicant, status):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    Application.objects.filter(pk=app.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        svc.withdraw(app, actor=applicant)
    assert Application.objects.get(pk=app.pk).status == status


@pytest.mark.django_db
def test_withdrawing_a_draft_tells_nobody(gd, applicant, secretary, django_capture_on_commit_callbacks):
    app = svc.start_application(gd, actor=applicant, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        svc.withdraw(app, actor=applicant)
    assert Application.objects.get(pk=app.pk).status == S.WITHDRAWN
    assert not Notification.objects.filter(kind="application_withdrawn").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["stranger", "secretary"])
def test_only_the_applicant_acts_on_the_application(gd, applicant, secretary, who):
    actor = UserFactory() if who == "stranger" else secretary
    app = complete(gd, applicant)
    with pytest.raises(PermissionDenied):
        svc.save_draft(app, actor=actor, profile_data={"name": "他人"}, fields=[])
    with pytest.raises(PermissionDenied):
        svc.add_attachment(app, actor=actor, kind="other", upload=pdf())
    with pytest.raises(PermissionDenied):
        svc.remove_attachment(app.attachments.first(), actor=actor)
    with pytest.raises(PermissionDenied):
        svc.submit(app, actor=actor, now=NOW)
    with pytest.raises(PermissionDenied):
        svc.withdraw(app, actor=actor)
    app.refresh_from_db()
    assert app.status == S.DRAFT and app.profile.name == "李青" and app.attachments.count() == 2


@pytest.mark.django_db
def test_a_new_application_after_withdrawal_is_allowed(gd, applicant):
    first = svc.start_application(gd, actor=applicant, now=NOW)
    svc.withdraw(first, actor=applicant)
    second = svc.start_application(gd, actor=applicant, now=NOW)
    assert second.pk != first.pk and second.profile_id == first.profile_id
