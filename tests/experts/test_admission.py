"""Admission service: numbering, terms, idempotency, role, notification, certificate PDF and the
admission-result announcement."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from experts.models import Application, Expert, Notice, NoticeEntry, Sequence
from experts.services import admission
from experts.services.admission import AdmissionError, admit, certificate_pdf, publish_admission_result, term_end_for
from portal import permissions
from portal.models import AuditEvent, Notification, Role, RoleAssignment
from portal.pdf import cjk_fonts_installed
from portal.workflows import InvalidTransition
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory, grant

TZ = ZoneInfo("Asia/Shanghai")
S = Application.Status


def at(y, m, d, hh=10):
    return datetime(y, m, d, hh, 0, tzinfo=TZ)


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


@pytest.fixture
def jm(pools):
    return pools["jm-storage"]


def in_notice(body, **kwargs):
    return make_application(body, status=S.IN_NOTICE, **kwargs)


# ---------------------------------------------------------------- terms


@pytest.mark.parametrize("start, years, end", [
    (date(2026, 11, 25), 3, date(2029, 11, 24)),
    (date(2028, 2, 29), 3, date(2031, 2, 28)),   # leap day: the anniversary in a common year is 1 March
    (date(2028, 2, 29), 4, date(2032, 2, 28)),   # next leap year: the day before 29 February
    (date(2027, 3, 1), 1, date(2028, 2, 29)),    # a year from 1 March ends on the leap day
    (date(2026, 1, 1), 1, date(2026, 12, 31)),
])
def test_term_ends_the_day_before_the_anniversary(start, years, end):
    assert term_end_for(start, years) == end


@pytest.mark.django_db
def test_admit_sets_term_from_policy_and_admission_day(gd):
    expert = admit(in_notice(gd), now=at(2026, 11, 25))
    assert (expert.term_start, expert.term_end) == (date(2026, 11, 25), date(2029, 11, 24))
    assert admission.format_term(expert) == "2026年11月25日至2029年11月24日"


@pytest.mark.django_db
def test_admit_on_a_leap_day_ends_on_28_february(gd):
    expert = admit(in_notice(gd), now=at(2028, 2, 29))
    assert (expert.term_start, expert.term_end) == (date(2028, 2, 29), date(2031, 2, 28))


@pytest.mark.django_db
def test_term_years_come_from_the_body_policy(gd):
    gd.policy.term_years = 5
    gd.policy.save()
    expert = admit(in_notice(gd), now=at(2026, 11, 25))
    assert expert.term_end == date(2031, 11, 24)


@pytest.mark.django_db
def test_admission_day_is_the_beijing_date(gd):
    # 2026-11-24 17:30 UTC is already 25 November in Beijing
    expert = admit(in_notice(gd), now=datetime(2026, 11, 24, 17, 30, tzinfo=ZoneInfo("UTC")))
    assert expert.term_start == date(2026, 11, 25)


# ---------------------------------------------------------------- numbering


@pytest.mark.django_db
def test_certificate_numbers_are_consecutive_per_body_and_year(gd, jm):
    numbers = [admit(in_notice(gd), now=at(2026, 11, 25)).certificate_no for _ in range(3)]
    assert numbers == ["GDZK20260001", "GDZK20260002", "GDZK20260003"]
    sec = UserFactory()
    grant(sec, jm, Role.SECRETARIAT)
    other = admit(make_application(jm, status=S.APPROVED), actor=sec, now=at(2026, 11, 25))
    assert other.certificate_no == "JMCN20260001"  # its own series
    next_year = admit(in_notice(gd), now=at(2027, 1, 4))
    assert next_year.certificate_no == "GDZK20270001"  # a new series each year


@pytest.mark.django_db
def test_a_refused_admission_consumes_no_number(gd):
    admit(in_notice(gd), now=at(2026, 11, 25))
    with pytest.raises(InvalidTransition):
        admit(make_application(gd, status=S.SUBMITTED), now=at(2026, 11, 25))
    assert Sequence.objects.get(body=gd, kind="certificate", year=2026).last == 1
    assert admit(in_notice(gd), now=at(2026, 11, 25)).certificate_no == "GDZK20260002"


@pytest.mark.django_db
def test_certificate_format_is_per_body_setting(gd):
    gd.pool_settings.certificate_format = "{prefix}-{year}-{seq:05d}"
    gd.pool_settings.save()
    assert admit(in_notice(gd), now=at(2026, 11, 25)).certificate_no == "GDZK-2026-00001"


# ---------------------------------------------------------------- idempotency and effects


@pytest.mark.django_db
def test_admitting_twice_returns_the_same_membership(gd):
    app = in_notice(gd)
    first = admit(app, now=at(2026, 11, 25))
    second = admit(app, now=at(2026, 11, 26))
    assert second.pk == first.pk and second.certificate_no == "GDZK20260001"
    assert Expert.objects.filter(application=app).count() == 1
    assert Sequence.objects.get(body=gd, kind="certificate", year=2026).last == 1
    assert AuditEvent.objects.filter(action="experts.admit").count() == 1


@pytest.mark.django_db
def test_admit_copies_fields_and_public_snapshot_and_moves_the_application(gd):
    parent = gd.expert_fields.get(code="quality-management")
    child = gd.expert_fields.get(code="brand")
    profile = ProfileFactory(name="林晓东", employer="广东省标准化研究院", title="正高级工程师")
    app = in_notice(gd, profile=profile, fields=[parent, child])
    expert = admit(app, now=at(2026, 11, 25))
    app.refresh_from_db()
    assert app.status == S.ADMITTED
    assert set(expert.fields.values_list("code", flat=True)) == {"quality-management", "brand"}
    assert (expert.public_name, expert.public_employer, expert.public_title) == (
        "林晓东", "广东省标准化研究院", "正高级工程师")
    assert expert.public_fields == "质量管理、品牌建设"
    assert (expert.user, expert.profile, expert.body, expert.status) == (profile.user, profile, gd, "active")


@pytest.mark.django_db
def test_admit_grants_the_expert_role(gd):
    app = in_notice(gd)
    assert not permissions.has(app.applicant, "serve_as_expert", gd)
    admit(app, now=at(2026, 11, 25))
    assert RoleAssignment.objects.filter(user=app.applicant, body=gd, role=Role.EXPERT).count() == 1
    assert permissions.has(app.applicant, "serve_as_expert", gd)


@pytest.mark.django_db
def test_admit_records_one_audit_event_with_the_number_and_term(gd):
    expert = admit(in_notice(gd), now=at(2026, 11, 25))
    event = AuditEvent.objects.get(action="experts.admit")
    assert event.body == gd and event.target_id == str(expert.pk) and event.actor is None
    assert event.data["certificate_no"] == "GDZK20260001"
    assert (event.data["term_start"], event.data["term_end"]) == ("2026-11-25", "2029-11-24")


@pytest.mark.django_db
def test_admit_notifies_the_applicant_with_a_certificate_link_after_commit(gd, django_capture_on_commit_callbacks):
    app = in_notice(gd)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        expert = admit(app, now=at(2026, 11, 25))
    note = Notification.objects.get(user=app.applicant, kind="expert_admitted")
    assert note.url == reverse("experts:certificate-pdf", args=[expert.pk])
    assert "GDZK20260001" in note.text and "2026年11月25日至2029年11月24日" in note.text
    assert f"/certificates/{expert.certificate_no}/" in note.text
    assert len(callbacks) >= 1  # deliveries are enqueued only on commit


@pytest.mark.django_db
def test_admit_marks_the_pending_notice_entry_admitted(gd):
    app = in_notice(gd)
    notice = Notice.objects.create(body=gd, number="N1", title="公示", published_at=at(2026, 11, 10),
                                   starts_on=date(2026, 11, 10), ends_on=date(2026, 11, 19),
                                   ends_at=at(2026, 11, 20, 0))
    entry = NoticeEntry.objects.create(notice=notice, application=app, public_name=app.profile.name)
    admit(app, now=at(2026, 11, 25))
    entry.refresh_from_db()
    assert entry.outcome == NoticeEntry.Outcome.ADMITTED


# ---------------------------------------------------------------- who may admit what


@pytest.mark.django_db
def test_an_approved_candidate_needs_a_notice_where_the_policy_says_so(gd):
    sec = UserFactory()
    grant(sec, gd, Role.SECRETARIAT)
    app = make_application(gd, status=S.APPROVED)
    with pytest.raises(AdmissionError) as exc:
        admit(app, actor=sec, now=at(2026, 11, 25))
    assert "公示" in exc.value.messages[0]
    app.refresh_from_db()
    assert app.status == S.APPROVED and not Expert.objects.exists()


@pytest.mark.django_db
def test_secretariat_admits_directly_where_no_notice_is_needed(jm):
    sec = UserFactory()
    grant(sec, jm, Role.SECRETARIAT)
    expert = admit(make_application(jm, status=S.APPROVED), actor=sec, now=at(2026, 11, 25))
    assert expert.certificate_no == "JMCN20260001"
    assert AuditEvent.objects.get(action="experts.admit").actor == sec


@pytest.mark.django_db
def test_an_approver_may_not_admit(jm):
    approver = UserFactory()
    grant(approver, jm, Role.APPROVER)
    app = make_application(jm, status=S.APPROVED)
    with pytest.raises(PermissionDenied):
        admit(app, actor=approver, now=at(2026, 11, 25))
    assert not Expert.objects.exists()


@pytest.mark.django_db
def test_only_the_system_admits_from_a_notice(gd):
    sec = UserFactory()
    grant(sec, gd, Role.SECRETARIAT)
    with pytest.raises(PermissionDenied):
        admit(in_notice(gd), actor=sec, now=at(2026, 11, 25))


@pytest.mark.django_db
def test_an_active_member_cannot_be_admitted_twice(jm):
    sec = UserFactory()
    grant(sec, jm, Role.SECRETARIAT)
    profile = ProfileFactory()
    first = make_application(jm, status=S.APPROVED, profile=profile)
    admit(first, actor=sec, now=at(2026, 11, 25))
    again = make_application(jm, status=S.APPROVED, profile=profile)
    with pytest.raises(AdmissionError):
        admit(again, actor=sec, now=at(2026, 11, 26))
    again.refresh_from_db()
    assert again.status == S.APPROVED
    assert Sequence.objects.get(body=jm, kind="certificate", year=2026).last == 1


# ---------------------------------------------------------------- e-certificate


def pdf_text(data):
    pdf = pypdfium2.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in pdf)


@pytest.mark.django_db
@pytest.mark.skipif(not cjk_fonts_installed(), reason="Noto CJK fonts are not installed")
def test_certificate_pdf_shows_name_number_term_and_issuer_but_no_personal_data(gd, settings):
    settings.SITE_URL = "https://quorum.example.cn"
    profile = ProfileFactory(name="林晓东", employer="广东省标准化研究院", title="正高级工程师",
                             phone="13912345678", address="广州市越秀区标记路 99 号", email="lin@example.cn")
    expert = admit(in_notice(gd, profile=profile), now=at(2026, 11, 25))
    data = certificate_pdf(expert)
    assert data.startswith(b"%PDF")
    text = pdf_text(data).replace("\r", "").replace("\n", "")
    for needed in ("聘书", "林晓东", "GDZK20260001", "广东省质量发展智库", "2026年11月25日至2029年11月24日",
                   "广东省质量发展促进会", "质量管理", "https://quorum.example.cn/certificates/GDZK20260001/"):
        assert needed in text, needed
    for private in (profile.id_number, "13912345678", "标记路", "lin@example.cn", "1975"):
        assert private not in text, private
    assert len(pypdfium2.PdfDocument(data)) == 1


@pytest.mark.django_db
def test_certificate_qr_code_encodes_the_absolute_verification_url(gd, settings):
    settings.SITE_URL = "https://quorum.example.cn/"
    expert = admit(in_notice(gd), now=at(2026, 11, 25))
    assert admission.verification_url(expert) == "https://quorum.example.cn/certificates/GDZK20260001/"


# ---------------------------------------------------------------- admission result


@pytest.mark.django_db
def test_admission_result_is_a_closed_announcement_of_the_admitted(gd):
    sec = UserFactory()
    grant(sec, gd, Role.SECRETARIAT)
    experts = [admit(in_notice(gd), now=at(2026, 11, 25)) for _ in range(2)]
    notice = publish_admission_result(gd, experts, actor=sec, now=at(2026, 11, 26))
    assert notice.kind == Notice.Kind.ADMISSION_RESULT and notice.status == Notice.Status.CLOSED
    assert notice.number == "粤质促公示〔2026〕1号"
    assert (notice.starts_on, notice.ends_on) == (date(2026, 11, 26), date(2026, 11, 26))
    assert notice.closed_at == at(2026, 11, 26) and notice.created_by == sec
    assert notice.policy_snapshot["term_years"] == 3
    entries = list(notice.entries.order_by("order"))
    assert [e.public_name for e in entries] == [e.public_name for e in experts]
    assert {e.outcome for e in entries} == {NoticeEntry.Outcome.ADMITTED}
    assert AuditEvent.objects.filter(action="experts.admission_result.publish", body=gd).count() == 1


@pytest.mark.django_db
def test_admission_result_needs_manage_experts(gd):
    approver = UserFactory()
    grant(approver, gd, Role.APPROVER)
    expert = admit(in_notice(gd), now=at(2026, 11, 25))
    with pytest.raises(PermissionDenied):
        publish_admission_result(gd, [expert], actor=approver, now=at(2026, 11, 26))
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_admission_result_refuses_experts_of_another_body_or_none(gd, jm):
    sec = UserFactory()
    grant(sec, gd, Role.SECRETARIAT)
    grant(sec, jm, Role.SECRETARIAT)
    foreign = admit(make_application(jm, status=S.APPROVED), actor=sec, now=at(2026, 11, 25))
    with pytest.raises(AdmissionError):
        publish_admission_result(gd, [foreign], actor=sec, now=at(2026, 11, 26))
    with pytest.raises(AdmissionError):
        publish_admission_result(gd, [], actor=sec, now=at(2026, 11, 26))
    assert not Notice.objects.exists()
    assert not Sequence.objects.filter(kind="notice").exclude(last=0).exists()
