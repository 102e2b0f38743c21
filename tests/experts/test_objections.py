"""Objections: filing until the last minute, acceptance and its decision deadline in working
days, declining, deciding (stops only that candidate), written letters, overdue reminders."""
import re
from datetime import date, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from experts.models import Application, NoticeEntry, Objection
from experts.services import notices as services
from portal import workdays
from portal.models import AuditEvent, Notification, Role
from portal.workflows import InvalidTransition
from tests.experts.test_notices import TZ, approved, at, objection, publish, staff
from tests.factories import UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_text(data):
    doc = pdfium.PdfDocument(data)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return text.replace("\r", "").replace("\n", "")  # lines wrap anywhere in CJK text


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


@pytest.fixture
def notice(gd):
    """A gd-quality notice published Wed 30 Sep 2026, ending 15 Oct 2026 24:00."""
    return publish(gd, approved(gd, 2), now=at(2026, 9, 30))


@pytest.fixture
def secretary(gd):
    return staff(gd)


def first_entry(notice):
    return notice.entries.order_by("order").first()


# ---------------------------------------------------------------------------
# filing


@pytest.mark.django_db
def test_objection_in_the_last_minute_is_accepted(notice):
    obj = objection(notice, first_entry(notice), now=notice.ends_at - timedelta(minutes=1))
    assert obj.status == Objection.Status.FILED
    assert re.fullmatch(rf"26-{notice.pk}-[A-HJ-NP-Z2-9]{{6}}", obj.receipt_no)
    assert obj.filed_at == datetime(2026, 10, 15, 23, 59, tzinfo=TZ)


@pytest.mark.django_db
def test_objection_at_the_end_is_refused_with_the_end_in_the_message(notice):
    with pytest.raises(services.ObjectionError) as exc:
        objection(notice, first_entry(notice), now=notice.ends_at)
    assert exc.value.messages == ["公示已于 2026年10月15日 24:00 结束，不再受理异议。"]
    assert Objection.objects.count() == 0
    assert not AuditEvent.objects.filter(action="experts.objection.file").exists()


@pytest.mark.django_db
def test_objection_one_minute_after_the_end_is_refused(notice):
    with pytest.raises(services.ObjectionError):
        objection(notice, first_entry(notice), now=notice.ends_at + timedelta(minutes=1))
    assert Objection.objects.count() == 0


@pytest.mark.django_db
def test_filing_is_audited_without_the_objectors_identity_and_staff_are_told(notice, secretary):
    obj = objection(notice, first_entry(notice), now=at(2026, 10, 9), name="王秘密", contact="13912345678")
    event = AuditEvent.objects.get(action="experts.objection.file")
    assert event.data["receipt_no"] == obj.receipt_no
    assert "王秘密" not in str(event.data) and "13912345678" not in str(event.data)
    told = Notification.objects.filter(kind="objection_filed").values_list("user_id", flat=True)
    assert secretary.pk in told


@pytest.mark.django_db
def test_bad_objection_gets_a_message_per_field_and_writes_nothing(notice):
    with pytest.raises(services.ObjectionError) as exc:
        services.file_objection(notice, first_entry(notice), name=" ", contact="", email="not-an-email",
                                facts="太短", now=at(2026, 10, 9))
    assert set(exc.value.message_dict) == {"name", "contact", "email", "facts"}
    assert Objection.objects.count() == 0


@pytest.mark.django_db
def test_objection_against_a_candidate_of_another_notice_is_refused(gd, notice):
    other = publish(gd, approved(gd), now=at(2026, 9, 30))
    with pytest.raises(services.ObjectionError) as exc:
        objection(notice, first_entry(other), now=at(2026, 10, 9))
    assert "entry" in exc.value.message_dict


@pytest.mark.django_db
def test_evidence_is_checked_by_content_and_stored_privately(notice):
    upload = SimpleUploadedFile("证据.pdf", PDF_BYTES, content_type="application/pdf")
    obj = services.file_objection(notice, first_entry(notice), name="李四", contact="13800000000",
                                  facts="该人选申报材料不实，附证明。", evidence=upload, now=at(2026, 10, 9))
    assert obj.evidence.name.startswith(f"objections/{notice.pk}/") and obj.evidence.name.endswith(".pdf")
    with obj.evidence.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    assert obj.evidence.storage.location.endswith("/private")
    with pytest.raises(ValueError):
        obj.evidence.url  # noqa: B018  (private storage has no public URL)


@pytest.mark.django_db
def test_evidence_that_is_not_pdf_jpg_or_png_is_refused(notice):
    fake = SimpleUploadedFile("证据.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(services.ObjectionError) as exc:
        services.file_objection(notice, first_entry(notice), name="李四", contact="13800000000",
                                facts="该人选申报材料不实，附证明。", evidence=fake, now=at(2026, 10, 9))
    assert "evidence" in exc.value.message_dict
    assert Objection.objects.count() == 0


# ---------------------------------------------------------------------------
# acceptance and its deadline


@pytest.mark.django_db
def test_decision_is_due_at_the_end_of_the_15th_working_day_after_acceptance(notice, secretary):
    """Accepted Wed 30 Sep 2026 (not counted). Working days 8, 9, 10 (make-up Sat), 12–16, 19–23,
    26, 27 Oct → the 15th is Tue 27 Oct; the decision is due by 27 Oct 24:00."""
    obj = objection(notice, first_entry(notice), now=at(2026, 9, 30, 11))
    obj = services.accept_objection(obj, actor=secretary, reason="事实具体，予以受理。", now=at(2026, 9, 30, 16))
    assert obj.decide_by == datetime(2026, 10, 28, 0, 0, tzinfo=TZ)
    assert workdays.workdays_between(date(2026, 9, 30), date(2026, 10, 27)) == 15
    assert workdays.workdays_between(date(2026, 9, 30), date(2026, 10, 26)) == 14
    assert obj.decide_by_provisional is False
    assert (obj.status, obj.accepted_at, obj.handled_by) == (Objection.Status.ACCEPTED, at(2026, 9, 30, 16), secretary)
    assert AuditEvent.objects.get(action="experts.objection.accept").data["decision_workdays"] == 15


@pytest.mark.django_db
def test_decision_period_comes_from_the_notice_snapshot_not_the_current_policy(gd, notice, secretary):
    gd.policy.objection_decision_workdays = 3
    gd.policy.save()
    obj = objection(notice, first_entry(notice), now=at(2026, 9, 30, 11))
    obj = services.accept_objection(obj, actor=secretary, reason="予以受理。", now=at(2026, 9, 30, 16))
    assert obj.decide_by == datetime(2026, 10, 28, 0, 0, tzinfo=TZ)


@pytest.mark.django_db
def test_accepting_needs_a_reason(notice, secretary):
    obj = objection(notice, first_entry(notice), now=at(2026, 10, 9))
    with pytest.raises(services.ObjectionError) as exc:
        services.accept_objection(obj, actor=secretary, reason="  ", now=at(2026, 10, 9, 15))
    assert "reason" in exc.value.message_dict
    assert Objection.objects.get(pk=obj.pk).status == Objection.Status.FILED


@pytest.mark.django_db
def test_supervisors_and_other_bodies_cannot_handle_objections(pools, notice):
    obj = objection(notice, first_entry(notice), now=at(2026, 10, 9))
    for user in (staff(pools["gd-quality"], Role.SUPERVISOR), staff(pools["xx-random"])):
        with pytest.raises(PermissionDenied):
            services.accept_objection(obj, actor=user, reason="予以受理。", now=at(2026, 10, 9, 15))
    assert Objection.objects.get(pk=obj.pk).status == Objection.Status.FILED


@pytest.mark.django_db
def test_an_objection_must_be_accepted_before_it_is_decided(notice, secretary):
    obj = objection(notice, first_entry(notice), now=at(2026, 10, 9))
    with pytest.raises(InvalidTransition):
        services.decide_objection(obj, actor=secretary, upheld=True, reason="成立。", now=at(2026, 10, 9, 15))
    assert Objection.objects.get(pk=obj.pk).status == Objection.Status.FILED


# ---------------------------------------------------------------------------
# declining and deciding, letters


@pytest.mark.django_db
def test_declining_tells_an_anonymous_objector_by_email_with_the_letter(
        notice, secretary, mailoutbox, django_capture_on_commit_callbacks):
    obj = objection(notice, first_entry(notice), now=at(2026, 10, 9), email="objector@example.cn")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_objection(obj, actor=secretary, reason="未提供具体事实和证据。", now=at(2026, 10, 10))
    obj.refresh_from_db()
    assert (obj.status, obj.acceptance_reason) == (Objection.Status.NOT_ACCEPTED, "未提供具体事实和证据。")
    assert [m.to for m in mailoutbox] == [["objector@example.cn"]]
    name, content, mimetype = mailoutbox[0].attachments[0]
    assert (name, mimetype) == (f"{obj.receipt_no}.pdf", "application/pdf")
    assert "异议不予受理通知书" in pdf_text(content)
    assert "未提供具体事实和证据" in mailoutbox[0].body
    assert first_entry(notice).outcome == NoticeEntry.Outcome.PENDING


@pytest.mark.django_db
def test_upheld_objection_stops_the_candidate_and_both_sides_are_told_in_writing(
        notice, secretary, mailoutbox, django_capture_on_commit_callbacks):
    entry = first_entry(notice)
    objector = UserFactory(email="member@example.cn")
    obj = objection(notice, entry, now=at(2026, 10, 9), user=objector)
    services.accept_objection(obj, actor=secretary, reason="予以受理。", now=at(2026, 10, 9, 15))
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_objection(obj, actor=secretary, upheld=True, reason="经核实，职称证书系伪造。",
                                  now=at(2026, 10, 20))
    entry.refresh_from_db()
    app = Application.objects.get(pk=entry.application_id)
    assert (entry.outcome, app.status, app.decision_reason) == ("stopped", "stopped", "经核实，职称证书系伪造。")
    to_objector = Notification.objects.get(kind="objection_decided", user=objector)
    assert to_objector.url.endswith("?to=objector") and "异议成立" in to_objector.subject
    to_expert = Notification.objects.get(kind="objection_decided_expert", user=app.applicant)
    assert to_expert.url.endswith("?to=expert") and "终止" in to_expert.text
    assert {tuple(m.to) for m in mailoutbox} >= {("member@example.cn",), (app.applicant.email,)}
    event = AuditEvent.objects.get(action="experts.objection.decide")
    assert event.data["upheld"] is True and event.data["candidate_stopped"] is True
    # the other candidate is untouched
    other = notice.entries.order_by("order").last()
    assert other.outcome == "pending" and other.application.status == Application.Status.IN_NOTICE


@pytest.mark.django_db
def test_dismissed_objection_leaves_the_candidate_in_the_notice(notice, secretary):
    entry = first_entry(notice)
    obj = objection(notice, entry, now=at(2026, 10, 9))
    services.accept_objection(obj, actor=secretary, reason="予以受理。", now=at(2026, 10, 9, 15))
    obj = services.decide_objection(obj, actor=secretary, upheld=False, reason="经核实，所述情况不属实。",
                                    now=at(2026, 10, 20))
    entry.refresh_from_db()
    assert obj.status == Objection.Status.DISMISSED and obj.decided_at == at(2026, 10, 20)
    assert entry.outcome == "pending" and entry.application.status == Application.Status.IN_NOTICE


@pytest.mark.django_db
def test_letters_name_the_objector_only_in_the_objectors_letter(notice, secretary):
    obj = objection(notice, first_entry(notice), now=at(2026, 10, 9), name="赵异议")
    services.accept_objection(obj, actor=secretary, reason="予以受理。", now=at(2026, 10, 9, 15))
    obj = services.decide_objection(obj, actor=secretary, upheld=False, reason="所述情况不属实。",
                                    now=at(2026, 10, 20))
    to_objector = pdf_text(services.objection_letter_pdf(obj, to="objector"))
    to_expert = pdf_text(services.objection_letter_pdf(obj, to="expert"))
    for text in (to_objector, to_expert):
        assert "异议处理决定书" in text and "异议不成立" in text and "所述情况不属实" in text
        assert notice.number in text and obj.receipt_no in text
    assert "赵异议" in to_objector
    assert "赵异议" not in to_expert and first_entry(notice).public_name in to_expert


@pytest.mark.django_db
def test_no_letter_before_a_decision(notice):
    obj = objection(notice, first_entry(notice), now=at(2026, 10, 9))
    with pytest.raises(services.ObjectionError):
        services.objection_letter_pdf(obj, to="objector")


# ---------------------------------------------------------------------------
# overdue reminders


@pytest.mark.django_db
def test_overdue_objections_are_reminded_once_a_day(gd, notice, secretary):
    obj = objection(notice, first_entry(notice), now=at(2026, 9, 30, 11))
    services.accept_objection(obj, actor=secretary, reason="予以受理。", now=at(2026, 9, 30, 16))
    assert services.remind_overdue_objections(now=datetime(2026, 10, 27, 23, 59, tzinfo=TZ)) == 0
    assert services.remind_overdue_objections(now=datetime(2026, 10, 28, 9, 0, tzinfo=TZ)) == 2  # two secretaries
    assert services.remind_overdue_objections(now=datetime(2026, 10, 28, 17, 0, tzinfo=TZ)) == 0
    assert services.remind_overdue_objections(now=datetime(2026, 10, 29, 9, 0, tzinfo=TZ)) == 2
    reminder = Notification.objects.filter(kind="objection_overdue", user=secretary).first()
    assert "2026年10月27日 24:00" in reminder.text and obj.receipt_no in reminder.subject
    services.decide_objection(obj, actor=secretary, upheld=False, reason="不属实。", now=at(2026, 10, 29, 10))
    assert services.remind_overdue_objections(now=datetime(2026, 10, 30, 9, 0, tzinfo=TZ)) == 0
