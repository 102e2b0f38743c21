"""Changes of information: contact self-service, change reports within change_report_workdays
working days (boundary with the National Day holiday in between), staff acknowledgement that
applies the change (profile, recusal keys, public snapshot, draws), staff-noticed changes."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from experts.draws.pool import eligible_pool
from experts.models import ChangeReport, Expert, ExpertProfile
from experts.models.pool import normalize
from experts.services import changes
from experts.services.changes import ChangeError
from portal.models import AuditEvent, Notification
from tests.experts.lifecycle_helpers import at, expert_in, make_draw, pdf, staff_of

pytestmark = pytest.mark.django_db
K = ChangeReport.Kind

# 2026-09-28 (Mon) + 10 working days, 1–7 October off, Saturday 10 October worked:
# 29, 30 Sep, 8, 9, 10, 12, 13, 14, 15, 16 Oct -> the 10th is 16 Oct, the 11th 19 Oct.
EFFECTIVE = date(2026, 9, 28)


@pytest.fixture
def xx(pools):
    return pools["xx-random"]


def file(expert, when, **kw):
    kw.setdefault("kind", K.EMPLOYER)
    kw.setdefault("new_value", "新县智能制造研究院")
    kw.setdefault("effective_date", EFFECTIVE)
    kw.setdefault("proof", pdf())
    return changes.file_change(expert, actor=expert.user, now=when, **kw)


def test_the_deadline_is_the_tenth_working_day_after_the_effective_date_across_national_day(xx):
    due = changes.due_for(EFFECTIVE, xx.policy)
    assert xx.policy.change_report_workdays == 10
    assert due.end_date == date(2026, 10, 16) and not due.provisional


def test_a_change_reported_on_the_tenth_working_day_is_on_time(xx):
    report = file(expert_in(xx), at(2026, 10, 16, 23, 59, 59))
    assert report.due_date == date(2026, 10, 16)
    assert report.is_late is False and report.status == ChangeReport.Status.FILED


def test_a_change_reported_on_the_eleventh_working_day_is_flagged_late(xx):
    report = file(expert_in(xx), at(2026, 10, 19, 9))
    assert report.is_late is True


def test_a_change_reported_on_the_saturday_after_the_deadline_is_late(xx):
    assert file(expert_in(xx), at(2026, 10, 17, 0, 0, 1)).is_late is True


def test_filing_records_old_and_new_values_audits_and_tells_the_secretariat(xx, django_capture_on_commit_callbacks):
    sec = staff_of(xx)
    expert = expert_in(xx)
    old = expert.profile.employer
    with django_capture_on_commit_callbacks(execute=True):
        report = file(expert, at(2026, 10, 9))
    assert (report.old_value, report.new_value, report.source) == (old, "新县智能制造研究院", "expert")
    assert report.proof.name.startswith("changes/")
    event = AuditEvent.objects.get(action="experts.change.file")
    assert event.data["old"] == old and event.data["late"] is False and event.data["due"] == "2026-10-16"
    assert Notification.objects.filter(user=sec, kind="change_filed").count() == 1
    # nothing applied before staff acknowledge
    assert ExpertProfile.objects.get(pk=expert.profile_id).employer == old


@pytest.mark.parametrize("kw, field", [
    ({"proof": None}, "proof"),
    ({"new_value": "  "}, "new_value"),
    ({"effective_date": date(2026, 10, 10)}, "effective_date"),  # after "today" (9 Oct)
])
def test_bad_input_is_refused_with_a_field_message_and_nothing_is_stored(xx, kw, field):
    expert = expert_in(xx)
    with pytest.raises(ChangeError) as exc:
        file(expert, at(2026, 10, 9), **kw)
    assert field in exc.value.message_dict
    assert ChangeReport.objects.count() == 0


def test_the_same_value_as_today_is_refused(xx):
    expert = expert_in(xx)
    with pytest.raises(ChangeError) as exc:
        file(expert, at(2026, 10, 9), new_value=expert.profile.employer)
    assert "new_value" in exc.value.message_dict


def test_only_the_expert_files_their_own_change(xx):
    expert, other = expert_in(xx), expert_in(xx)
    with pytest.raises(PermissionDenied):
        changes.file_change(expert, actor=other.user, kind=K.POSITION, new_value="副院长",
                            effective_date=EFFECTIVE, proof=pdf(), now=at(2026, 10, 9))


def test_acknowledging_applies_the_employer_to_profile_keys_snapshot_and_draws_at_once(xx):
    sec = staff_of(xx)
    expert = expert_in(xx)
    old = expert.profile.employer
    report = file(expert, at(2026, 10, 9))
    draw = make_draw(xx, operator=sec)
    draw.reviewed_unit = "新县智能制造研究院"
    draw.save(update_fields=["reviewed_unit"])
    assert expert.pk in eligible_pool(draw).pool_ids  # the new employer is not yet known
    changes.acknowledge(report, actor=sec, now=at(2026, 10, 12))
    profile = ExpertProfile.objects.get(pk=expert.profile_id)
    assert profile.employer == "新县智能制造研究院"
    assert profile.employer_key == normalize("新县智能制造研究院")
    assert f"\n{normalize(old)}\n" in profile.recent_employer_keys and profile.recent_employers[0] == old
    assert Expert.objects.get(pk=expert.pk).public_employer == "新县智能制造研究院"
    result = eligible_pool(draw)
    assert expert.pk not in result.pool_ids and "employer" in result.exclusions[str(expert.pk)]
    report.refresh_from_db()
    assert report.status == ChangeReport.Status.ACKNOWLEDGED and report.acknowledged_by == sec
    event = AuditEvent.objects.get(action="experts.change.acknowledge")
    assert event.data == {"kind": "employer", "before": old, "after": "新县智能制造研究院", "late": False}


def test_a_title_change_sets_the_title_level(xx):
    sec = staff_of(xx)
    expert = expert_in(xx)
    report = file(expert, at(2026, 10, 9), kind=K.TITLE, new_value="正高级工程师", new_title_level="senior")
    changes.acknowledge(report, actor=sec, now=at(2026, 10, 12))
    profile = ExpertProfile.objects.get(pk=expert.profile_id)
    assert (profile.title, profile.title_level) == ("正高级工程师", "senior")
    assert Expert.objects.get(pk=expert.pk).public_title == "正高级工程师"


def test_acknowledging_twice_is_refused(xx):
    sec = staff_of(xx)
    report = file(expert_in(xx), at(2026, 10, 9))
    changes.acknowledge(report, actor=sec, now=at(2026, 10, 12))
    with pytest.raises(Exception) as exc:
        changes.acknowledge(report, actor=sec, now=at(2026, 10, 12))
    assert "已确认" in str(exc.value)


def test_an_expert_cannot_acknowledge_their_own_report(xx):
    expert = expert_in(xx)
    report = file(expert, at(2026, 10, 9))
    with pytest.raises(PermissionDenied):
        changes.acknowledge(report, actor=expert.user, now=at(2026, 10, 12))


@pytest.mark.parametrize("today, late", [(date(2026, 10, 16), False), (date(2026, 10, 19), True)])
def test_a_change_staff_notice_is_applied_at_once_and_flagged_late_after_the_deadline(xx, today, late):
    sec = staff_of(xx)
    expert = expert_in(xx)
    report = changes.record_noticed_change(expert, actor=sec, kind=K.POSITION, new_value="总工程师",
                                           effective_date=EFFECTIVE, note="年报中发现",
                                           now=at(today.year, today.month, today.day, 15))
    assert report.source == "staff" and report.status == "acknowledged" and report.is_late is late
    assert ExpertProfile.objects.get(pk=expert.profile_id).position == "总工程师"
    assert Notification.objects.filter(user=expert.user, kind="change_recorded").count() == 1


def test_contact_data_is_updated_directly_and_audited(xx):
    expert = expert_in(xx)
    changed = changes.update_contact(expert.profile, actor=expert.user, phone="13900000001",
                                     email="new@example.cn", address=expert.profile.address)
    assert changed == ["email", "phone"]
    profile = ExpertProfile.objects.get(pk=expert.profile_id)
    assert (profile.phone, profile.email) == ("13900000001", "new@example.cn")
    assert AuditEvent.objects.get(action="experts.contact.update").data == {"changed": ["email", "phone"]}
    with pytest.raises(PermissionDenied):
        changes.update_contact(expert.profile, actor=staff_of(xx), phone="1", email="x@y.cn", address="")


# ---------------------------------------------------------------------------
# views


def test_the_expert_files_a_change_through_the_form(client, xx):
    expert = expert_in(xx)
    client.force_login(expert.user)
    url = reverse("experts:self-change", args=[expert.pk])
    response = client.post(url, {"kind": "employer", "new_value": "新县智能制造研究院",
                                 "effective_date": "2026-01-05", "proof": pdf(), "note": ""})
    assert response.status_code == 302 and response.url == reverse("experts:self-dashboard")
    report = ChangeReport.objects.get()
    assert report.is_late is True  # effective in January, reported today


def test_the_change_form_shows_errors_and_stores_nothing_on_bad_input(client, xx):
    expert = expert_in(xx)
    client.force_login(expert.user)
    response = client.post(reverse("experts:self-change", args=[expert.pk]),
                           {"kind": "employer", "new_value": "新单位", "effective_date": "2026-01-05"})
    assert response.status_code == 400
    assert "请上传证明材料" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    assert ChangeReport.objects.count() == 0


def test_another_persons_membership_is_not_found(client, xx):
    expert, other = expert_in(xx), expert_in(xx)
    client.force_login(other.user)
    assert client.get(reverse("experts:self-change", args=[expert.pk])).status_code == 404


def test_staff_list_and_acknowledge_with_constant_queries(client, xx, django_assert_max_num_queries):
    sec = staff_of(xx)
    client.force_login(sec)
    file(expert_in(xx), at(2026, 10, 9))
    url = reverse("experts:change-list", args=[xx.key])
    with django_assert_max_num_queries(14):
        one = client.get(url)
    for _i in range(6):
        file(expert_in(xx), at(2026, 10, 19))
    with django_assert_max_num_queries(14):
        many = client.get(url)
    assert one.status_code == many.status_code == 200
    assert many.content.decode().count("逾期报告</span>") == 6
    report = ChangeReport.objects.order_by("pk").first()
    response = client.post(reverse("experts:change-acknowledge", args=[xx.key, report.pk]))
    assert response.status_code == 302
    assert ChangeReport.objects.get(pk=report.pk).status == "acknowledged"
    proof = client.get(reverse("experts:change-proof", args=[xx.key, report.pk]))
    assert proof.status_code == 200 and b"".join(proof.streaming_content).startswith(b"%PDF")


def test_an_expert_cannot_open_the_staff_change_list(client, xx):
    expert = expert_in(xx)
    client.force_login(expert.user)
    assert client.get(reverse("experts:change-list", args=[xx.key])).status_code == 403


def test_staff_record_a_noticed_change_through_the_form(client, xx):
    sec = staff_of(xx)
    expert = expert_in(xx)
    client.force_login(sec)
    url = reverse("experts:change-record", args=[xx.key, expert.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "position", "new_value": "总工程师", "effective_date": "2026-01-05",
                                 "note": "年报"})
    assert response.status_code == 302
    assert ChangeReport.objects.get().is_late is True


def test_the_contact_form_saves_and_refuses_a_bad_phone(client, xx):
    expert = expert_in(xx)
    client.force_login(expert.user)
    url = reverse("experts:self-contact")
    bad = client.post(url, {"phone": "12345", "email": "a@b.cn", "address": "x"})
    assert bad.status_code == 400 and "请输入 11 位手机号码" in bad.content.decode()
    assert ExpertProfile.objects.get(pk=expert.profile_id).phone == expert.profile.phone
    ok = client.post(url, {"phone": "139 0000 0002", "email": "a@b.cn", "address": "江门市蓬江区"})
    assert ok.status_code == 302
    profile = ExpertProfile.objects.get(pk=expert.profile_id)
    assert (profile.phone, profile.email, profile.address) == ("13900000002", "a@b.cn", "江门市蓬江区")


def test_a_proof_that_is_not_a_pdf_or_image_is_refused_on_the_field(xx):
    from django.core.files.uploadedfile import SimpleUploadedFile

    expert = expert_in(xx)
    with pytest.raises(ChangeError) as exc:
        file(expert, at(2026, 10, 9), proof=SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary", "application/pdf"))
    assert "只接受 PDF、JPG 或 PNG" in exc.value.message_dict["proof"][0]
    assert ChangeReport.objects.count() == 0


def test_staff_find_the_expert_by_certificate_number_to_record_a_change(client, xx):
    sec, expert = staff_of(xx), expert_in(xx)
    client.force_login(sec)
    url = reverse("experts:change-record-lookup", args=[xx.key])
    found = client.get(url, {"certificate": expert.certificate_no})
    assert found.status_code == 302 and found.url == reverse("experts:change-record", args=[xx.key, expert.pk])
    missing = client.get(url, {"certificate": "NO-SUCH"}, follow=True)
    assert "没有证书编号为“NO-SUCH”的专家" in missing.content.decode()
