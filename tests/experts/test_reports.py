"""报备 (prior reports): filed before the activity, acknowledged or objected to (with a reason)
by staff, the expert notified either way."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from experts.models import PriorReport
from experts.services import reports
from experts.services.reports import ReportError
from portal.models import AuditEvent, Notification
from portal.workflows import InvalidTransition
from tests.experts.lifecycle_helpers import at, expert_in, staff_of

pytestmark = pytest.mark.django_db
S = PriorReport.Status


@pytest.fixture
def jm(pools):
    return pools["jm-storage"]


def file(expert, when=None, **kw):
    kw.setdefault("activity", "talk")
    kw.setdefault("title", "储能产业发展趋势讲座")
    kw.setdefault("starts_on", date(2026, 6, 10))
    kw.setdefault("place", "江门职业技术学院")
    kw.setdefault("audience", "企业技术人员约 100 人")
    return reports.file_report(expert, actor=expert.user, now=when or at(2026, 6, 1), **kw)


@pytest.mark.parametrize("starts_on, ok", [(date(2026, 6, 1), True), (date(2026, 5, 31), False)])
def test_a_report_is_filed_on_or_before_the_activity_day(jm, starts_on, ok):
    expert = expert_in(jm)
    if ok:
        assert file(expert, starts_on=starts_on).status == S.FILED
    else:
        with pytest.raises(ReportError) as exc:
            file(expert, starts_on=starts_on)
        assert "starts_on" in exc.value.message_dict and PriorReport.objects.count() == 0


def test_filing_tells_the_secretariat(jm, django_capture_on_commit_callbacks):
    sec = staff_of(jm)
    with django_capture_on_commit_callbacks(execute=True):
        file(expert_in(jm))
    assert Notification.objects.filter(user=sec, kind="prior_report_filed").count() == 1


def test_staff_acknowledge_and_the_expert_is_told(jm):
    sec, expert = staff_of(jm), expert_in(jm)
    report = reports.decide(file(expert), actor=sec, to=S.ACKNOWLEDGED, now=at(2026, 6, 2))
    assert (report.status, report.decided_by) == (S.ACKNOWLEDGED, sec)
    assert Notification.objects.filter(user=expert.user, kind="prior_report_acknowledged").count() == 1


def test_an_objection_needs_a_reason(jm):
    sec, expert = staff_of(jm), expert_in(jm)
    report = file(expert)
    with pytest.raises(ReportError):
        reports.decide(report, actor=sec, to=S.OBJECTED, reason=" ")
    assert PriorReport.objects.get().status == S.FILED
    reports.decide(report, actor=sec, to=S.OBJECTED, reason="涉及未公开的委员会意见", now=at(2026, 6, 2))
    note = Notification.objects.get(user=expert.user, kind="prior_report_objected")
    assert "涉及未公开的委员会意见" in note.text
    assert AuditEvent.objects.get(action="experts.prior_report.objected").data == {"reason": "涉及未公开的委员会意见"}


def test_a_decided_report_cannot_be_decided_again_and_experts_cannot_decide(jm):
    sec, expert = staff_of(jm), expert_in(jm)
    report = file(expert)
    with pytest.raises(PermissionDenied):
        reports.decide(report, actor=expert.user, to=S.ACKNOWLEDGED)
    reports.decide(report, actor=sec, to=S.ACKNOWLEDGED)
    with pytest.raises(InvalidTransition):
        reports.decide(report, actor=sec, to=S.OBJECTED, reason="迟到的异议")


def test_reports_through_the_views(client, jm, django_assert_max_num_queries):
    sec, expert = staff_of(jm), expert_in(jm)
    client.force_login(expert.user)
    url = reverse("experts:self-report", args=[expert.pk])
    bad = client.post(url, {"activity": "article", "title": "", "starts_on": "2099-01-01", "place": "p",
                            "audience": "a"})
    assert bad.status_code == 400 and PriorReport.objects.count() == 0
    ok = client.post(url, {"activity": "article", "title": "储能安全科普文章", "starts_on": "2099-01-01",
                           "place": "江门日报", "audience": "公众"})
    assert ok.status_code == 302
    client.force_login(sec)
    listing = reverse("experts:report-list", args=[jm.key])
    with django_assert_max_num_queries(12):
        page = client.get(listing)
    assert "储能安全科普文章" in page.content.decode()
    report = PriorReport.objects.get()
    refused = client.post(reverse("experts:report-decide", args=[jm.key, report.pk]),
                          {f"r{report.pk}-decision": "objected", f"r{report.pk}-reason": ""})
    assert refused.status_code == 400 and "提出异议须说明理由" in refused.content.decode()
    done = client.post(reverse("experts:report-decide", args=[jm.key, report.pk]),
                       {f"r{report.pk}-decision": "objected", f"r{report.pk}-reason": "请先提交文稿"})
    assert done.status_code == 302 and PriorReport.objects.get().status == S.OBJECTED
    for _i in range(5):
        file(expert_in(jm), starts_on=date(2099, 1, 1))
    with django_assert_max_num_queries(12):
        assert client.get(listing).status_code == 200
