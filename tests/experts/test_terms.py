"""Terms: reminders 60 and 30 days ahead (once each, run twice or late), lapse on the day after
the term ends (also when it ends on a holiday), renewal (eligibility re-check, vetting, approval,
notice or not by policy, new term and certificate), annual enrolment windows."""
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from experts.models import Call, Expert, Notice, Renewal, TermReminder
from experts.services import terms
from experts.services.terms import TermError
from portal import workdays
from portal.models import AuditEvent, Notification, Role
from portal.workdays import TZ
from tests.experts.test_draw_pool import gd, people, xx  # noqa: F401 (fixtures)
from tests.experts.test_invitations import make_expert
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
N = Renewal.Status


def at(y, m, d, hh=8, mm=30):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def member(body, **kw):
    e = make_expert(body, **kw)
    grant(e.user, body, Role.EXPERT)
    return e


# ---------------------------------------------------------------------------
# reminders


@pytest.mark.parametrize("today, lead", [
    (date(2028, 10, 31), None),  # 61 days before 31 Dec
    (date(2028, 11, 1), 60),     # 60 days before
    (date(2028, 12, 1), 30),     # 30 days before
])
def test_reminder_boundaries(xx, people, today, lead):
    e = member(xx, term_end=date(2028, 12, 31))
    sent = terms.send_term_reminders(now=at(today.year, today.month, today.day))
    assert sent == (1 if lead else 0)
    assert list(TermReminder.objects.values_list("days_before", flat=True)) == ([lead] if lead else [])
    if lead:
        n = Notification.objects.get(user=e.user, kind="term_reminder")
        assert "2028年12月31日" in n.subject
        assert Notification.objects.filter(user=people["staff"], kind="term_reminder_staff").count() == 1


def test_reminders_run_twice_or_daily_send_each_lead_time_once(xx, people):
    e = member(xx, term_end=date(2028, 12, 31))
    day = date(2028, 10, 25)
    counts = []
    while day <= date(2028, 12, 31):
        counts.append(terms.send_term_reminders(now=at(day.year, day.month, day.day)))
        counts.append(terms.send_term_reminders(now=at(day.year, day.month, day.day, 20)))  # twice a day
        day += timedelta(days=1)
    assert sum(counts) == 2
    assert sorted(TermReminder.objects.filter(expert=e).values_list("days_before", flat=True)) == [30, 60]
    assert Notification.objects.filter(user=e.user, kind="term_reminder").count() == 2


def test_a_late_run_sends_only_the_nearest_due_reminder(xx, people):
    member(xx, term_end=date(2028, 12, 31))
    assert terms.send_term_reminders(now=at(2028, 12, 10)) == 1  # the beat was down since November
    assert list(TermReminder.objects.values_list("days_before", flat=True)) == [30]
    assert terms.send_term_reminders(now=at(2028, 12, 11)) == 0


# ---------------------------------------------------------------------------
# lapse


def test_term_ending_on_a_holiday_lapses_the_next_calendar_day_once(xx, people):
    assert not workdays.is_workday(date(2026, 10, 1)) and not workdays.is_workday(date(2026, 10, 2))
    e = member(xx, term_start=date(2023, 10, 2), term_end=date(2026, 10, 1))  # National Day
    assert terms.lapse_due_memberships(now=datetime(2026, 10, 1, 23, 59, tzinfo=TZ)) == 0
    assert Expert.objects.get(pk=e.pk).status == Expert.Status.ACTIVE
    assert terms.lapse_due_memberships(now=datetime(2026, 10, 2, 0, 5, tzinfo=TZ)) == 1
    assert terms.lapse_due_memberships(now=datetime(2026, 10, 2, 0, 6, tzinfo=TZ)) == 0  # twice
    assert terms.lapse_due_memberships(now=datetime(2026, 10, 9, 0, 5, tzinfo=TZ)) == 0  # late
    assert Expert.objects.get(pk=e.pk).status == Expert.Status.LAPSED
    assert AuditEvent.objects.filter(action="experts.term.lapse").count() == 1
    assert Notification.objects.filter(user=e.user, kind="term_lapsed").count() == 1
    assert Notification.objects.filter(user=people["staff"], kind="term_lapsed_staff").count() == 1


def test_a_late_lapse_run_still_lapses_and_a_renewed_term_does_not(xx, people):
    old = member(xx, term_end=date(2026, 10, 1))
    renewed = member(xx, term_end=date(2029, 10, 1))
    assert terms.lapse_due_memberships(now=at(2026, 10, 20)) == 1
    assert Expert.objects.get(pk=old.pk).status == Expert.Status.LAPSED
    assert Expert.objects.get(pk=renewed.pk).status == Expert.Status.ACTIVE


# ---------------------------------------------------------------------------
# renewal


def test_renewal_rechecks_eligibility_and_an_ineligible_one_cannot_be_forwarded(gd, people):
    e = member(gd, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    e.profile.birth_date = date(1961, 1, 1)  # 67 on 2028-11-01
    e.profile.save()
    r = terms.file_renewal(e, actor=e.user, statement="继续参加", now=at(2028, 11, 1))
    assert r.eligible is False
    assert any(not x["ok"] and x["kind"] == "max_age" for x in r.eligibility)
    with pytest.raises(TermError):
        terms.forward_renewal(r, actor=people["staff"], now=at(2028, 11, 2))
    r = terms.reject_renewal(r, actor=people["staff"], reason="超过年龄上限", now=at(2028, 11, 2))
    assert r.status == N.REJECTED


def test_only_the_expert_or_staff_file_a_renewal_and_only_one_at_a_time(xx, people):
    e = member(xx)
    with pytest.raises(PermissionDenied):
        terms.file_renewal(e, actor=UserFactory(), now=at(2028, 11, 1))
    terms.file_renewal(e, actor=people["staff"], now=at(2028, 11, 1))
    with pytest.raises(TermError):
        terms.file_renewal(e, actor=e.user, now=at(2028, 11, 1))


def test_renewal_with_notice_extends_the_term_and_issues_a_new_certificate_after_the_notice(xx, people):
    e = member(xx, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    old_no = e.certificate_no
    r = terms.file_renewal(e, actor=e.user, now=at(2028, 11, 1))
    assert r.eligible
    terms.forward_renewal(r, actor=people["staff"], note="参加活动 6 次，评价良好", now=at(2028, 11, 2))
    with pytest.raises(PermissionDenied):
        terms.approve_renewal(r, actor=people["staff"], now=at(2028, 11, 3))
    r = terms.approve_renewal(r, actor=people["approver"], reason="同意续聘", now=at(2028, 11, 3))
    assert r.status == N.APPROVED  # xx-random: renewals are publicly noticed
    r = terms.publish_renewal_notice(r, actor=people["staff"], now=at(2028, 11, 6, 9))
    assert r.status == N.IN_NOTICE and r.notice.kind == Notice.Kind.RENEWAL
    assert r.notice.ends_on == date(2028, 11, 13)  # 5 working days after Mon 6 Nov
    assert terms.complete_due_renewals(now=r.notice.ends_at - timedelta(minutes=1)) == 0
    assert terms.complete_due_renewals(now=r.notice.ends_at) == 1
    assert terms.complete_due_renewals(now=r.notice.ends_at + timedelta(minutes=10)) == 0
    e.refresh_from_db()
    assert (e.term_start, e.term_end, e.status) == (date(2029, 1, 1), date(2031, 12, 31), Expert.Status.ACTIVE)
    assert e.certificate_no != old_no and e.certificate_no.startswith("XXSJ2028")
    assert Renewal.objects.get(pk=r.pk).status == N.RENEWED
    assert Notice.objects.get(pk=r.notice_id).status == Notice.Status.CLOSED


def test_renewal_skips_the_notice_when_the_policy_says_so(gd, people):
    gd.policy.renewal_skips_notice = True
    gd.policy.save()
    e = member(gd, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    r = terms.file_renewal(e, actor=e.user, now=at(2028, 11, 1))
    terms.forward_renewal(r, actor=people["staff"], now=at(2028, 11, 2))
    r = terms.approve_renewal(r, actor=people["approver"], now=at(2028, 11, 3))
    assert r.status == N.RENEWED and r.notice is None
    e.refresh_from_db()
    assert e.term_end == date(2031, 12, 31)
    assert not Notice.objects.filter(kind=Notice.Kind.RENEWAL).exists()


def test_a_lapsed_membership_renewed_later_starts_its_new_term_on_the_renewal_day(gd, people):
    gd.policy.renewal_skips_notice = True
    gd.policy.save()
    e = member(gd, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    r = terms.file_renewal(e, actor=e.user, now=at(2028, 12, 20))
    terms.forward_renewal(r, actor=people["staff"], now=at(2028, 12, 21))
    assert terms.lapse_due_memberships(now=at(2029, 1, 1, 0, 5)) == 1
    terms.approve_renewal(r, actor=people["approver"], now=at(2029, 1, 10))
    e.refresh_from_db()
    assert (e.status, e.term_start, e.term_end) == (Expert.Status.ACTIVE, date(2029, 1, 10), date(2032, 1, 9))


# ---------------------------------------------------------------------------
# enrolment windows


def test_enrolment_window_only_for_annual_bodies_and_without_overlap(xx, gd, people):
    now = at(2027, 1, 5)
    opens, closes = at(2027, 3, 1, 9, 0), at(2027, 3, 31, 17, 0)
    with pytest.raises(TermError):
        terms.open_enrolment_window(gd, actor=people["staff"], title="征集", opens_at=opens, closes_at=closes, now=now)
    with pytest.raises(TermError) as exc:
        terms.open_enrolment_window(xx, actor=people["staff"], title="征集", opens_at=closes, closes_at=opens, now=now)
    assert exc.value.message_dict == {"closes_at": ["截止时间须晚于开始时间。"]}
    call = terms.open_enrolment_window(xx, actor=people["staff"], title="2027年度专家补充征集", opens_at=opens,
                                       closes_at=closes, now=now)
    with pytest.raises(TermError):
        terms.open_enrolment_window(xx, actor=people["staff"], title="重叠", opens_at=at(2027, 3, 31, 9, 0),
                                    closes_at=at(2027, 4, 30), now=now)
    assert not call.is_open(opens - timedelta(seconds=1))
    assert call.is_open(opens) and call.is_open(closes - timedelta(seconds=1))
    assert not call.is_open(closes)
    assert terms.next_window(xx, now=now) == call


def test_closed_apply_page_names_the_next_window_and_the_public_announcement(client, xx, people):
    Call.objects.filter(body=xx).update(is_active=False)
    now = datetime.now(TZ)
    call = terms.open_enrolment_window(xx, actor=people["staff"], title="下一年度专家补充征集",
                                       opens_at=now + timedelta(days=30), closes_at=now + timedelta(days=60))
    client.force_login(UserFactory())
    page = client.get(reverse("experts:apply-body", args=[xx.key])).content.decode()
    assert "本机构目前没有开放的专家征集。" in page and "下一次征集时间" in page
    assert reverse("experts:enrolment-public", args=[call.pk]) in page
    client.logout()
    public = client.get(reverse("experts:enrolment-public", args=[call.pk])).content.decode()
    assert "下一年度专家补充征集" in public and "申请系统将于" in public
    assert "下一年度专家补充征集" in client.get(reverse("experts:enrolment-list")).content.decode()


def test_the_old_certificate_number_of_a_renewed_membership_points_to_the_new_one(client, gd, people):
    gd.policy.renewal_skips_notice = True
    gd.policy.save()
    e = member(gd, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    old_no = e.certificate_no
    r = terms.file_renewal(e, actor=e.user, now=at(2028, 11, 1))
    terms.forward_renewal(r, actor=people["staff"], now=at(2028, 11, 2))
    terms.approve_renewal(r, actor=people["approver"], now=at(2028, 11, 3))
    e.refresh_from_db()
    page = client.get(reverse("experts:certificate-verify", args=[old_no]))
    text = page.content.decode()
    assert page.status_code == 200 and "已于 2028年11月3日 续聘换发新证书" in text
    assert reverse("experts:certificate-verify", args=[e.certificate_no]) in text
    assert e.profile.phone not in text and e.profile.id_number not in text
    assert client.get(reverse("experts:certificate-verify", args=["NO-SUCH-1"])).status_code == 404
