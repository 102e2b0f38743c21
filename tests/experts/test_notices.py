"""Public notices: publishing (number, period by working days, public snapshot), closing
(admission, stops, undecided objections), the beat tasks and the public selectors."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from experts.models import Application, Expert, Notice, NoticeEntry, Objection
from experts.selectors import notices as selectors
from experts.services import notices as services
from portal import workdays
from portal.models import AuditEvent, Notification, Role
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory, grant

TZ = ZoneInfo("Asia/Shanghai")
S = Application.Status


def at(y, m, d, hour=10, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=TZ)


def staff(body, role=Role.SECRETARIAT, **kwargs):
    user = UserFactory(**kwargs)
    grant(user, body, role)
    return user


def approved(body, n=1, **kwargs):
    return [make_application(body, status=S.APPROVED, **kwargs) for _i in range(n)]


def publish(body, apps, *, now, actor=None):
    return services.publish_notice(body, apps, actor=actor or staff(body), now=now)


def objection(notice, entry, *, now, name="李四", contact="13800000000", email="", user=None):
    return services.file_objection(notice, entry, name=name, contact=contact, email=email,
                                   facts="该人选申报的职称证书与实际不符，请核查。", user=user, now=now)


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


@pytest.fixture
def xx(pools):
    return pools["xx-random"]


# ---------------------------------------------------------------------------
# publishing


@pytest.mark.django_db
def test_publish_numbers_the_notice_and_copies_the_public_snapshot(gd, django_capture_on_commit_callbacks):
    apps = approved(gd, 2)
    secretary = staff(gd)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.publish_notice(gd, apps, actor=secretary, now=at(2026, 9, 30))
    assert notice.number == "粤质促公示〔2026〕1号"
    assert notice.title == "广东省质量发展智库入库人选公示（2026年）"
    assert notice.text.startswith("根据《广东省质量发展智库管理办法》第七条")
    assert notice.status == Notice.Status.OPEN and notice.kind == Notice.Kind.ADMISSION
    assert notice.created_by == secretary
    assert notice.policy_snapshot["notice_workdays"] == 7
    assert notice.policy_snapshot["objection_decision_workdays"] == 15
    rows = list(notice.entries.order_by("order").values_list(
        "application_id", "public_name", "public_employer", "public_title", "public_fields", "outcome"))
    assert rows == [(a.pk, a.profile.name, a.profile.employer, "高级工程师", "质量管理", "pending") for a in apps]
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("status", flat=True)) == {
        S.IN_NOTICE}
    event = AuditEvent.objects.get(action="experts.notice.publish")
    assert event.data["applications"] == sorted(a.pk for a in apps) and event.actor == secretary
    assert sorted(Notification.objects.filter(kind="notice_published").values_list("user_id", flat=True)) == sorted(
        a.applicant_id for a in apps)
    assert "2026年10月15日 24:00" in Notification.objects.filter(kind="notice_published").first().text


@pytest.mark.django_db
def test_second_notice_of_the_year_takes_the_next_number(gd):
    publish(gd, approved(gd), now=at(2026, 3, 2))
    second = publish(gd, approved(gd), now=at(2026, 3, 3))
    assert second.number == "粤质促公示〔2026〕2号"


@pytest.mark.django_db
def test_notice_spanning_national_day_ends_on_the_seventh_working_day(gd):
    """Published Wed 30 Sep 2026; 1–7 Oct rest; Sat 10 Oct is a make-up working day.
    Working days: 8, 9, 10, 12, 13, 14, 15 Oct → ends 15 Oct 24:00."""
    notice = publish(gd, approved(gd), now=at(2026, 9, 30, 9))
    assert (notice.starts_on, notice.ends_on) == (date(2026, 9, 30), date(2026, 10, 15))
    assert notice.ends_at == datetime(2026, 10, 16, 0, 0, tzinfo=TZ)
    assert notice.provisional is False
    assert workdays.workdays_between(date(2026, 9, 30), notice.ends_on) == 7


@pytest.mark.django_db
def test_notice_published_on_friday_before_makeup_saturday_counts_the_saturday(xx):
    """Fri 8 May 2026; Sat 9 May is a make-up working day (劳动节调休). 5 working days:
    9, 11, 12, 13, 14 May → ends 14 May 24:00 (a plain Friday-to-Friday count would give 15 May)."""
    assert workdays.day_info(date(2026, 5, 9)).is_makeup_workday
    notice = publish(xx, approved(xx), now=at(2026, 5, 8, 17))
    assert notice.ends_on == date(2026, 5, 14)
    assert notice.ends_at == datetime(2026, 5, 15, 0, 0, tzinfo=TZ)


@pytest.mark.django_db
def test_publication_day_counts_when_the_body_says_so(xx):
    xx.policy.count_publication_day = True
    xx.policy.save()
    notice = publish(xx, approved(xx), now=at(2026, 5, 8, 17))
    assert notice.ends_on == date(2026, 5, 13)  # 8 (day 1), 9, 11, 12, 13
    assert notice.policy_snapshot["count_publication_day"] is True


@pytest.mark.django_db
def test_notice_reaching_an_unpublished_year_is_provisional(gd):
    notice = publish(gd, approved(gd), now=at(2026, 12, 28))
    assert notice.ends_on.year == 2027
    assert notice.provisional is True


@pytest.mark.django_db
def test_publish_refuses_an_application_that_is_not_approved_and_writes_nothing(gd):
    ok = approved(gd)[0]
    forwarded = make_application(gd, status=S.FORWARDED)
    with pytest.raises(services.NoticeError) as exc:
        publish(gd, [ok, forwarded], now=at(2026, 9, 30))
    assert forwarded.profile.name in exc.value.message_dict["applications"][0]
    assert Notice.objects.count() == 0 and NoticeEntry.objects.count() == 0
    assert Application.objects.get(pk=ok.pk).status == S.APPROVED


@pytest.mark.django_db
def test_publish_refuses_another_bodys_application(gd, xx):
    with pytest.raises(services.NoticeError):
        publish(gd, approved(xx), now=at(2026, 9, 30))
    assert Notice.objects.count() == 0


@pytest.mark.django_db
def test_publish_refuses_an_empty_selection(gd):
    with pytest.raises(services.NoticeError) as exc:
        publish(gd, [], now=at(2026, 9, 30))
    assert "applications" in exc.value.message_dict


@pytest.mark.django_db
def test_only_staff_who_manage_experts_may_publish(gd):
    app = approved(gd)[0]
    approver = staff(gd, Role.APPROVER)
    with pytest.raises(PermissionDenied):
        services.publish_notice(gd, [app], actor=approver, now=at(2026, 9, 30))
    assert Application.objects.get(pk=app.pk).status == S.APPROVED


# ---------------------------------------------------------------------------
# closing


@pytest.mark.django_db
def test_close_waits_for_the_end_and_then_admits_everyone(gd, django_capture_on_commit_callbacks):
    notice = publish(gd, approved(gd, 2), now=at(2026, 9, 30))
    assert services.close_due_notices(now=notice.ends_at - timedelta(minutes=1)) == 0
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        assert services.close_due_notices(now=notice.ends_at) == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.CLOSED and notice.closed_at == notice.ends_at
    assert set(notice.entries.values_list("outcome", flat=True)) == {NoticeEntry.Outcome.ADMITTED}
    assert set(Application.objects.filter(notice_entries__notice=notice).values_list("status", flat=True)) == {
        S.ADMITTED}
    assert Expert.objects.filter(application__notice_entries__notice=notice).count() == 2
    assert AuditEvent.objects.filter(action="experts.notice.close", target_id=str(notice.pk)).count() == 1


@pytest.mark.django_db
def test_close_run_twice_changes_nothing_the_second_time(gd):
    notice = publish(gd, approved(gd, 2), now=at(2026, 9, 30))
    later = notice.ends_at + timedelta(hours=3)
    assert services.close_due_notices(now=later) == 1
    experts_before = list(Expert.objects.order_by("pk").values_list("pk", "certificate_no"))
    events_before = AuditEvent.objects.count()
    assert services.close_due_notices(now=later) == 0
    assert services.close_due_notices(now=later + timedelta(days=1)) == 0
    assert list(Expert.objects.order_by("pk").values_list("pk", "certificate_no")) == experts_before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_undecided_objection_blocks_only_its_candidate_and_keeps_the_notice_open(gd):
    notice = publish(gd, approved(gd, 2), now=at(2026, 9, 30))
    contested, clear = notice.entries.order_by("order")
    objection(notice, contested, now=at(2026, 10, 9))
    assert services.close_due_notices(now=notice.ends_at) == 0
    notice.refresh_from_db()
    contested.refresh_from_db()
    clear.refresh_from_db()
    assert notice.status == Notice.Status.OPEN
    assert (contested.outcome, clear.outcome) == ("pending", "admitted")
    assert contested.application.status == S.IN_NOTICE
    assert AuditEvent.objects.filter(action="experts.notice.settle").count() == 1
    # still undecided a day later: nothing moves
    assert services.close_due_notices(now=notice.ends_at + timedelta(days=1)) == 0
    assert Expert.objects.count() == 1


@pytest.mark.django_db
def test_dismissed_objection_lets_the_candidate_in_at_the_next_run(gd):
    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    entry = notice.entries.get()
    obj = objection(notice, entry, now=at(2026, 10, 9))
    secretary = staff(gd)
    services.accept_objection(obj, actor=secretary, reason="材料齐全，予以受理。", now=at(2026, 10, 12))
    assert services.close_due_notices(now=notice.ends_at) == 0
    services.decide_objection(obj, actor=secretary, upheld=False, reason="经核实，职称证书真实有效。",
                              now=at(2026, 10, 20))
    assert services.close_due_notices(now=at(2026, 10, 20, 10, 10)) == 1
    entry.refresh_from_db()
    assert entry.outcome == "admitted" and entry.application.status == S.ADMITTED


@pytest.mark.django_db
def test_upheld_objection_stops_only_that_candidate(gd):
    notice = publish(gd, approved(gd, 2), now=at(2026, 9, 30))
    contested, clear = notice.entries.order_by("order")
    obj = objection(notice, contested, now=at(2026, 10, 9))
    secretary = staff(gd)
    services.accept_objection(obj, actor=secretary, reason="予以受理。", now=at(2026, 10, 9, 15))
    services.decide_objection(obj, actor=secretary, upheld=True, reason="经核实，职称证书系伪造。",
                              now=at(2026, 10, 14))
    assert services.close_due_notices(now=notice.ends_at) == 1
    contested.refresh_from_db()
    clear.refresh_from_db()
    assert (contested.outcome, contested.application.status) == ("stopped", S.STOPPED)
    assert (clear.outcome, clear.application.status) == ("admitted", S.ADMITTED)
    assert not Expert.objects.filter(application=contested.application).exists()


@pytest.mark.django_db
def test_declined_objection_does_not_block_admission(gd):
    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    obj = objection(notice, notice.entries.get(), now=at(2026, 10, 9))
    services.decline_objection(obj, actor=staff(gd), reason="未提供具体事实。", now=at(2026, 10, 9, 16))
    assert services.close_due_notices(now=notice.ends_at) == 1
    assert Objection.objects.get(pk=obj.pk).status == Objection.Status.NOT_ACCEPTED


@pytest.mark.django_db
def test_a_refused_admission_keeps_the_candidate_pending_and_the_notice_open(gd):
    app = approved(gd)[0]
    notice = publish(gd, [app], now=at(2026, 9, 30))
    # the same person already holds an active membership of the body (admitted through another application)
    other = make_application(gd, status=S.APPROVED, profile=ProfileFactory())
    Expert.objects.create(body=gd, user=app.applicant, profile=app.profile, application=other,
                          certificate_no="X-1", term_start=date(2026, 1, 1), term_end=date(2028, 12, 31),
                          admitted_at=at(2026, 1, 1), public_name="x")
    assert services.close_due_notices(now=notice.ends_at) == 0
    assert notice.entries.get().outcome == "pending"
    assert not AuditEvent.objects.filter(action="experts.notice.close").exists()
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.OPEN


# ---------------------------------------------------------------------------
# beat tasks


@pytest.mark.django_db
def test_close_task_is_registered_and_closes_due_notices(gd):
    from experts import tasks

    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    assert tasks.close_due_notices.name == "experts.close-due-notices"
    with time_machine.travel(notice.ends_at + timedelta(minutes=5), tick=False):
        assert tasks.close_due_notices.delay().get() == 1
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.CLOSED


@pytest.mark.django_db
def test_reminder_task_is_registered(gd):
    from experts import tasks

    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    obj = objection(notice, notice.entries.get(), now=at(2026, 10, 9))
    services.accept_objection(obj, actor=staff(gd), reason="予以受理。", now=at(2026, 10, 9, 15))
    assert tasks.remind_overdue_objections.name == "experts.remind-overdue-objections"
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        assert tasks.remind_overdue_objections.delay().get() == 2  # both secretaries (publisher, acceptor)


# ---------------------------------------------------------------------------
# public selectors


@pytest.mark.django_db
def test_public_notices_lists_open_ones_first_then_closed(gd, xx):
    old = publish(gd, approved(gd), now=at(2026, 3, 2))
    services.close_due_notices(now=at(2026, 4, 1))
    ends_later = publish(gd, approved(gd), now=at(2026, 11, 19))  # 7 working days → 30 Nov
    ends_sooner = publish(xx, approved(xx), now=at(2026, 11, 20))  # 5 working days → 27 Nov
    assert ends_sooner.ends_on < ends_later.ends_on
    result = Notice.objects.get(kind=Notice.Kind.ADMISSION_RESULT)  # published when `old` closed
    assert [n.pk for n in selectors.public_notices()] == [ends_sooner.pk, ends_later.pk, result.pk, old.pk]
    assert [n.pk for n in selectors.public_notices(body_key="xx-random")] == [ends_sooner.pk]
    assert selectors.public_notices().get(pk=ends_later.pk).candidate_count == 1


@pytest.mark.django_db
def test_open_public_notices_feeds_the_home_page(gd):
    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    with time_machine.travel(at(2026, 10, 9), tick=False):
        items = selectors.open_public_notices(limit=5)
    assert items == [{
        "title": notice.title, "url": f"/notices/{notice.pk}/", "body_name": gd.name_zh,
        "ends_display": "2026年10月15日 24:00", "ends_at": notice.ends_at, "provisional": False}]
    with time_machine.travel(notice.ends_at, tick=False):
        assert selectors.open_public_notices() == []


@pytest.mark.django_db
def test_public_notice_rows_hold_public_columns_only(gd):
    notice = publish(gd, approved(gd), now=at(2026, 9, 30))
    row = selectors.public_notice_rows(notice)[0]
    assert set(row.get_deferred_fields()) >= {"application_id"}


@pytest.mark.django_db
def test_closing_a_notice_publishes_the_admission_result_once(pools, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from experts.models import Application, Notice
    from experts.services.notices import close_due_notices, publish_notice
    from portal.models import Role
    from tests.experts.factories import make_application
    from tests.factories import UserFactory, grant

    body = pools["gd-quality"]
    sec = UserFactory()
    grant(sec, body, Role.SECRETARIAT)
    apps = [make_application(body, Application.Status.APPROVED) for _ in range(2)]
    notice = publish_notice(body, apps, actor=sec)
    after = notice.ends_at + timedelta(minutes=1)
    close_due_notices(now=after)
    close_due_notices(now=after + timedelta(hours=1))
    results = Notice.objects.filter(body=body, kind=Notice.Kind.ADMISSION_RESULT)
    assert results.count() == 1
    assert sorted(results.get().entries.values_list("public_name", flat=True)) == sorted(
        a.profile.name for a in apps)
