"""Annual assessment: the yearly summary per active expert, review, sign-off (locked), export."""
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from experts.models import AssessmentRound, AssessmentRow, Expert, Invitation
from experts.services import assessment, proposals, training
from experts.services.assessment import AssessmentError
from tests.experts.lifecycle_helpers import at, expert_in, invite, make_draw, staff_of

pytestmark = pytest.mark.django_db
I, R, A = Invitation.Status, Invitation.Rating, Invitation.Attendance


@pytest.fixture
def xx(pools):
    return pools["xx-random"]


def engagement(body, expert, start, *, rating="", attendance="", status=I.ACCEPTED, sec=None):
    inv = invite(make_draw(body, start=start, operator=sec), expert, status=status)
    Invitation.objects.filter(pk=inv.pk).update(rating=rating, attendance=attendance)
    return inv


def test_the_round_summarises_the_year_per_active_expert(xx):
    sec = staff_of(xx)
    a, b, gone = expert_in(xx), expert_in(xx), expert_in(xx)
    Expert.objects.filter(pk=gone.pk).update(status=Expert.Status.EXITED)
    engagement(xx, a, date(2026, 1, 1), rating=R.EXCELLENT, attendance=A.PRESENT, sec=sec)
    engagement(xx, a, date(2026, 12, 31), rating=R.POOR, attendance=A.UNEXCUSED, sec=sec)
    engagement(xx, a, date(2026, 5, 1), rating=R.FAIR, sec=sec)
    engagement(xx, a, date(2025, 12, 31), rating=R.POOR, sec=sec)  # the year before
    engagement(xx, a, date(2026, 5, 2), status=I.DECLINED, sec=sec)  # not an engagement
    s = training.create_session(xx, actor=sec, topic="培训", starts_at=at(2026, 6, 10), place="p", capacity=5,
                                ends_at=at(2026, 6, 10, 12), now=at(2026, 6, 1))
    training.enrol(s, a, actor=a.user, now=at(2026, 6, 2))
    training.enrol(s, b, actor=b.user, now=at(2026, 6, 2))
    training.record_attendance(s, actor=sec, present_ids=[a.pk], now=at(2026, 6, 10, 10))
    proposals.submit_proposal(b, actor=b.user, title="t", text="x", co_authors=[a], now=at(2026, 7, 1))
    rnd = assessment.open_round(xx, actor=sec, year=2026, now=at(2026, 12, 31, 20))
    rows = {r.expert_id: r for r in rnd.rows.all()}
    assert set(rows) == {a.pk, b.pk}
    ra = rows[a.pk]
    assert (ra.engagements, ra.rated_excellent, ra.rated_fair, ra.rated_poor, ra.unexcused_absences, ra.trainings,
            ra.proposals) == (3, 1, 1, 1, 1, 1, 1)
    rb = rows[b.pk]
    assert (rb.engagements, rb.trainings, rb.proposals) == (0, 0, 1)


def test_a_year_is_opened_once_and_not_in_the_future(xx):
    sec = staff_of(xx)
    assessment.open_round(xx, actor=sec, year=2025, now=at(2026, 1, 5))
    with pytest.raises(AssessmentError):
        assessment.open_round(xx, actor=sec, year=2025, now=at(2026, 1, 5))
    with pytest.raises(AssessmentError):
        assessment.open_round(xx, actor=sec, year=2027, now=at(2026, 12, 31))
    assert AssessmentRound.objects.count() == 1


def test_sign_off_needs_every_row_graded_and_then_locks(xx):
    sec = staff_of(xx)
    a, b = expert_in(xx), expert_in(xx)
    rnd = assessment.open_round(xx, actor=sec, year=2026, now=at(2026, 12, 31))
    row_a, row_b = rnd.rows.order_by("expert_id")
    assessment.review_row(row_a, actor=sec, grade="excellent", comment="积极参加检查")
    with pytest.raises(AssessmentError) as exc:
        assessment.sign_off(rnd, actor=sec)
    assert "1 位专家未评定等次" in exc.value.messages[0]
    assessment.review_row(row_b, actor=sec, grade="competent")
    assessment.sign_off(rnd, actor=sec)
    with pytest.raises(AssessmentError):
        assessment.review_row(row_b, actor=sec, grade="excellent")
    assert AssessmentRow.objects.get(pk=row_b.pk).grade == "competent"
    with pytest.raises(AssessmentError):
        assessment.review_row(row_b, actor=sec, grade="bogus")


def test_assessment_through_the_views_and_export(client, xx, django_assert_max_num_queries):
    sec = staff_of(xx)
    for _i in range(3):
        expert_in(xx)
    client.force_login(sec)
    url = reverse("experts:assessment-list", args=[xx.key])
    assert client.post(url, {"year": "1999"}).status_code == 400
    response = client.post(url, {"year": "2026"})
    rnd = AssessmentRound.objects.get()
    assert response.status_code == 302 and response.url == reverse("experts:assessment-detail", args=[xx.key, rnd.pk])
    detail = reverse("experts:assessment-detail", args=[xx.key, rnd.pk])
    with django_assert_max_num_queries(14):
        assert client.get(detail).status_code == 200
    row = rnd.rows.order_by("pk").first()
    bad = client.post(detail, {"row": row.pk, f"a{row.pk}-grade": "", f"a{row.pk}-comment": ""})
    assert bad.status_code == 400
    for r in rnd.rows.all():
        assert client.post(detail, {"row": r.pk, f"a{r.pk}-grade": "competent",
                                    f"a{r.pk}-comment": "称职"}).status_code == 302
    assert client.post(detail, {"sign_off": "1"}).status_code == 302
    assert AssessmentRound.objects.get().status == "signed_off"
    ws = load_workbook(BytesIO(client.get(detail + "?format=xlsx").content)).active
    body_rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(body_rows) == 3 and {r[10] for r in body_rows} == {"称职"}
