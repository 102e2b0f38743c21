"""Evaluations after an engagement: attendance, ratings, the exit triggers they raise
(boundaries), the staff page and the expert's own ratings page."""
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from experts.models import ExitTrigger, Invitation
from experts.services import evaluations
from experts.services.evaluations import EvaluationError
from portal.models import AuditEvent, Notification, Role
from portal.workdays import TZ
from tests.experts.test_invitations import invite, make_draw, make_expert, staff_of
from tests.factories import UserFactory, grant

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.experts.test_invitations")]

I = Invitation.Status
A = Invitation.Attendance
R = Invitation.Rating
K = ExitTrigger.Kind


def at(y, m, d, hh=10, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


def accepted(body, expert, *, start=date(2026, 3, 10), sec=None):
    draw = make_draw(body, start=start, operator=sec)
    return invite(draw, expert, status=I.ACCEPTED)


@pytest.fixture
def xx(pools):
    return pools["xx-random"]


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


# ---------------------------------------------------------------------------
# the service


def test_rating_is_refused_the_day_before_the_engagement_starts(xx):
    sec = staff_of(xx)
    inv = accepted(xx, make_expert(xx), sec=sec)
    with pytest.raises(EvaluationError) as exc:
        evaluations.rate(inv, actor=sec, rating=R.EXCELLENT, now=at(2026, 3, 9, 23, 59, 59))
    assert "2026年3月10日" in exc.value.messages[0]
    assert Invitation.objects.get(pk=inv.pk).rating == ""


def test_rating_on_the_first_day_of_the_engagement_is_recorded_and_audited(xx):
    sec = staff_of(xx)
    inv = accepted(xx, make_expert(xx), sec=sec)
    evaluations.rate(inv, actor=sec, rating=R.EXCELLENT, scores={"expertise": 5, "integrity": "4"},
                     note="准备充分，意见专业。", now=at(2026, 3, 10, 0, 0))
    inv.refresh_from_db()
    assert (inv.rating, inv.scores, inv.rating_note, inv.rated_by) == (
        "excellent", {"expertise": 5, "integrity": 4}, "准备充分，意见专业。", sec)
    event = AuditEvent.objects.get(action="experts.invitation.rate")
    assert event.data["after"]["rating"] == "excellent" and event.data["before"]["rating"] == ""
    assert Notification.objects.filter(user=inv.expert.user, kind="evaluation_rated").count() == 1


def test_scores_outside_one_to_five_are_refused_per_field_and_nothing_changes(xx):
    sec = staff_of(xx)
    inv = accepted(xx, make_expert(xx), sec=sec)
    with pytest.raises(EvaluationError) as exc:
        evaluations.rate(inv, actor=sec, rating="great", scores={"expertise": 6, "luck": 3},
                         now=at(2026, 3, 11))
    assert set(exc.value.message_dict) == {"rating", "scores"}
    assert len(exc.value.message_dict["scores"]) == 2
    inv.refresh_from_db()
    assert (inv.rating, inv.scores) == ("", {})
    assert not AuditEvent.objects.filter(action="experts.invitation.rate").exists()


def test_only_accepted_invitations_can_be_rated(xx):
    sec = staff_of(xx)
    draw = make_draw(xx, operator=sec)
    inv = invite(draw, make_expert(xx), status=I.DECLINED)
    with pytest.raises(EvaluationError) as exc:
        evaluations.record_attendance(inv, actor=sec, attendance=A.PRESENT, now=at(2026, 3, 11))
    assert "已谢绝" in exc.value.messages[0]


def test_staff_of_another_body_cannot_rate(xx, gd):
    inv = accepted(xx, make_expert(xx), sec=staff_of(xx))
    with pytest.raises(PermissionDenied):
        evaluations.rate(inv, actor=staff_of(gd), rating=R.POOR, now=at(2026, 3, 11))
    assert Invitation.objects.get(pk=inv.pk).rating == ""


def test_one_poor_rating_below_the_threshold_raises_no_trigger(xx):
    sec = staff_of(xx)
    expert = make_expert(xx)
    evaluations.rate(accepted(xx, expert, sec=sec), actor=sec, rating=R.POOR, now=at(2026, 3, 11))
    assert not ExitTrigger.objects.filter(expert=expert).exists()


def test_two_poor_ratings_in_the_term_raise_exactly_one_trigger(xx):
    sec = staff_of(xx)
    expert = make_expert(xx)
    first = accepted(xx, expert, start=date(2026, 3, 10), sec=sec)
    second = accepted(xx, expert, start=date(2026, 5, 12), sec=sec)
    evaluations.rate(first, actor=sec, rating=R.POOR, now=at(2026, 3, 11))
    evaluations.rate(second, actor=sec, rating=R.POOR, now=at(2026, 5, 13))
    trigger = ExitTrigger.objects.get(expert=expert)
    assert trigger.kind == K.POOR_RATINGS
    assert trigger.evidence["count"] == 2 and trigger.evidence["threshold"] == 2
    assert trigger.evidence["invitations"] == [first.pk, second.pk]
    assert trigger.resolved_at is None
    assert Notification.objects.filter(user=sec, kind="evaluation_exit_trigger").count() == 1


def test_a_third_poor_rating_does_not_duplicate_the_open_trigger(xx):
    sec = staff_of(xx)
    expert = make_expert(xx)
    for i, start in enumerate((date(2026, 3, 10), date(2026, 4, 14), date(2026, 5, 12))):
        evaluations.rate(accepted(xx, expert, start=start, sec=sec), actor=sec, rating=R.POOR,
                         now=at(start.year, start.month, start.day + 1))
    assert ExitTrigger.objects.filter(expert=expert, kind=K.POOR_RATINGS).count() == 1


def test_poor_ratings_before_the_current_term_do_not_count(xx):
    sec = staff_of(xx)
    expert = make_expert(xx, term_start=date(2026, 4, 1), term_end=date(2029, 3, 31))
    old = accepted(xx, expert, start=date(2026, 3, 10), sec=sec)  # previous term
    evaluations.rate(old, actor=sec, rating=R.POOR, now=at(2026, 3, 11))
    evaluations.rate(accepted(xx, expert, start=date(2026, 5, 12), sec=sec), actor=sec, rating=R.POOR,
                     now=at(2026, 5, 13))
    assert not ExitTrigger.objects.filter(expert=expert).exists()


def test_unexcused_absences_at_the_threshold_raise_one_trigger_and_below_none(gd):
    sec = staff_of(gd)
    expert = make_expert(gd)
    first = accepted(gd, expert, start=date(2026, 3, 10), sec=sec)
    evaluations.record_attendance(first, actor=sec, attendance=A.UNEXCUSED, now=at(2026, 3, 11))
    assert not ExitTrigger.objects.filter(expert=expert).exists()
    second = accepted(gd, expert, start=date(2026, 4, 14), sec=sec)
    evaluations.record_attendance(second, actor=sec, attendance=A.UNEXCUSED, now=at(2026, 4, 15))
    trigger = ExitTrigger.objects.get(expert=expert)
    assert (trigger.kind, trigger.evidence["count"], trigger.evidence["threshold"]) == (K.UNEXCUSED_ABSENCES, 2, 2)
    third = accepted(gd, expert, start=date(2026, 5, 12), sec=sec)
    evaluations.record_attendance(third, actor=sec, attendance=A.UNEXCUSED, now=at(2026, 5, 13))
    assert ExitTrigger.objects.filter(expert=expert).count() == 1


def test_a_body_without_a_poor_ratings_rule_raises_no_trigger(gd):
    sec = staff_of(gd)
    expert = make_expert(gd)
    for start in (date(2026, 3, 10), date(2026, 4, 14), date(2026, 5, 12)):
        evaluations.rate(accepted(gd, expert, start=start, sec=sec), actor=sec, rating=R.POOR,
                         now=at(start.year, start.month, start.day + 1))
    assert not ExitTrigger.objects.filter(expert=expert).exists()


def test_the_threshold_comes_from_the_draws_policy_snapshot(xx):
    sec = staff_of(xx)
    expert = make_expert(xx)
    first = accepted(xx, expert, start=date(2026, 3, 10), sec=sec)  # the snapshot says 2
    xx.policy.poor_ratings_exit = 1
    xx.policy.save()  # edited after the draw started
    evaluations.rate(first, actor=sec, rating=R.POOR, now=at(2026, 3, 11))
    assert not ExitTrigger.objects.filter(expert=expert).exists()


# ---------------------------------------------------------------------------
# the staff page


def _post(inv, **values):
    data = {"invitation": inv.pk}
    data.update({f"e{inv.pk}-{k}": v for k, v in values.items()})
    return data


def test_the_evaluate_page_needs_manage_experts(client, xx):
    inv = accepted(xx, make_expert(xx), start=date(2020, 3, 10), sec=staff_of(xx))
    approver = UserFactory()
    grant(approver, xx, Role.APPROVER)
    client.force_login(approver)
    response = client.get(reverse("experts:draw-evaluate", args=[xx.key, inv.draw.pk]))
    assert response.status_code == 403


def test_the_evaluate_page_waits_for_the_engagement(client, xx):
    sec = staff_of(xx)
    inv = accepted(xx, make_expert(xx), start=date(2099, 3, 10), sec=sec)
    client.force_login(sec)
    response = client.get(reverse("experts:draw-evaluate", args=[xx.key, inv.draw.pk]))
    assert response.status_code == 200
    assert "活动开始（2099年3月10日）后才能记录出席情况和评价" in response.content.decode()
    assert f'name="e{inv.pk}-rating"' not in response.content.decode()


def test_staff_record_attendance_and_rating_through_the_page(client, xx):
    sec = staff_of(xx)
    inv = accepted(xx, make_expert(xx), start=date(2020, 3, 10), sec=sec)
    client.force_login(sec)
    url = reverse("experts:draw-evaluate", args=[xx.key, inv.draw.pk])
    response = client.post(url, _post(inv, attendance="present", rating="fair", score_expertise="4",
                                      score_attitude="", score_integrity="5", note="按时到场。"))
    assert response.status_code == 302 and response.url == url
    inv.refresh_from_db()
    assert (inv.attendance, inv.rating, inv.scores, inv.rating_note) == (
        "present", "fair", {"expertise": 4, "integrity": 5}, "按时到场。")
    assert AuditEvent.objects.filter(action__in=["experts.invitation.attendance", "experts.invitation.rate"]
                                     ).count() == 2


def test_a_score_without_a_rating_is_a_field_error_and_changes_nothing(client, xx):
    sec = staff_of(xx)
    inv = accepted(xx, make_expert(xx), start=date(2020, 3, 10), sec=sec)
    client.force_login(sec)
    response = client.post(reverse("experts:draw-evaluate", args=[xx.key, inv.draw.pk]),
                           _post(inv, attendance="", rating="", score_expertise="3"))
    assert response.status_code == 400
    assert "填写分项评分或说明时须选择评价等级" in response.content.decode()
    inv.refresh_from_db()
    assert (inv.attendance, inv.rating, inv.scores) == ("", "", {})


def test_the_evaluations_export_to_excel(client, xx):
    sec = staff_of(xx)
    inv = accepted(xx, make_expert(xx, name="王评价"), start=date(2020, 3, 10), sec=sec)
    evaluations.rate(inv, actor=sec, rating=R.EXCELLENT, scores={"attitude": 5})
    client.force_login(sec)
    response = client.get(reverse("experts:draw-evaluate", args=[xx.key, inv.draw.pk]) + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming
                                  else response.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[1][1] == "王评价" and rows[1][4] == "优秀" and rows[1][6] == 5


# ---------------------------------------------------------------------------
# the expert's own ratings


def test_an_expert_sees_their_own_ratings_and_not_other_experts(client, xx):
    sec = staff_of(xx)
    mine, other = make_expert(xx), make_expert(xx)
    draw = make_draw(xx, start=date(2020, 3, 10), operator=sec, title="新县某公司安全生产检查")
    a, b = invite(draw, mine, status=I.ACCEPTED), invite(draw, other, status=I.ACCEPTED, rank=2)
    evaluations.rate(a, actor=sec, rating=R.EXCELLENT, note="表现突出")
    evaluations.rate(b, actor=sec, rating=R.POOR, note="迟到一小时")
    client.force_login(mine.user)
    page = client.get(reverse("experts:my-ratings")).content.decode()
    assert "新县某公司安全生产检查" in page and "表现突出" in page
    assert "迟到一小时" not in page and other.public_name not in page


def test_my_ratings_runs_a_constant_number_of_queries(client, xx, django_assert_max_num_queries):
    sec = staff_of(xx)
    expert = make_expert(xx)
    evaluations.rate(accepted(xx, expert, start=date(2020, 3, 10), sec=sec), actor=sec, rating=R.FAIR)
    client.force_login(expert.user)
    with django_assert_max_num_queries(8):
        client.get(reverse("experts:my-ratings"))
    for i in range(20):
        evaluations.rate(accepted(xx, expert, start=date(2020, 4, 1) + timedelta(days=i), sec=sec), actor=sec,
                         rating=R.FAIR)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("experts:my-ratings"))
    assert response.content.decode().count("text-bg-secondary") == 21
