"""Statistics: binomial arithmetic, the fairness flag, pool breakdowns, the page with constant
queries and its charts, the streamed per-expert export."""
import math
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from experts.models import Draw, Expert, ExpertProfile, Invitation
from experts.selectors import stats
from tests.experts.lifecycle_helpers import expert_in, invite, make_draw, staff_of

pytestmark = pytest.mark.django_db


def test_binomial_tail_matches_the_exact_sum():
    n, p = 20, 0.1
    exact = sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(5, n + 1))
    assert stats.binom_sf(5, n, p) == pytest.approx(exact, rel=1e-12)
    assert stats.binom_sf(0, n, p) == 1.0 and stats.binom_sf(21, n, p) == 0.0


def test_the_flag_threshold_is_the_first_k_under_alpha():
    n, p = 100, 0.05
    k = stats.flag_threshold(n, p)
    assert stats.binom_sf(k, n, p) < stats.ALPHA <= stats.binom_sf(k - 1, n, p)


@pytest.fixture
def xx(pools):
    return pools["xx-random"]


def picks(body, expert, times, sec):
    for _i in range(times):
        invite(make_draw(body, operator=sec), expert, status=Invitation.Status.ACCEPTED)


def test_an_expert_drawn_far_more_than_chance_is_flagged(xx):
    sec = staff_of(xx)
    experts = [expert_in(xx) for _i in range(20)]
    picks(xx, experts[0], 8, sec)
    for e in experts[1:9]:
        picks(xx, e, 1, sec)
    fair = stats.fairness(xx)
    # n = 16 picks, p = 1/20: P(X >= 8) is about 3e-7; the threshold is 4 (P(X>=4) = 0.0070 > 0.001; P(X>=5) < 0.001)
    assert fair["n"] == 16 and fair["pool_size"] == 20
    assert fair["threshold"] == stats.flag_threshold(16, 1 / 20)
    assert [f["certificate_no"] for f in fair["flagged"]] == [experts[0].certificate_no]
    rows = {r[0]: r for r in fair["rows"]}
    assert rows["0"][1] == 11 and rows["1"][1] == 8 and rows["8"][1] == 1 and rows["8"][3] is True
    assert sum(r[2] for r in fair["rows"]) == pytest.approx(20, abs=0.01)


def test_designated_experts_do_not_count_as_drawn(xx):
    sec = staff_of(xx)
    e = expert_in(xx)
    draw = make_draw(xx, operator=sec, mode=Draw.Mode.DESIGNATED)
    invite(draw, e, status=Invitation.Status.ACCEPTED)
    assert stats.fairness(xx)["n"] == 0


def test_pool_breakdowns(xx):
    a, b, c = expert_in(xx), expert_in(xx), expert_in(xx)
    ExpertProfile.objects.filter(pk=a.profile_id).update(title_level="senior", birth_date=date(1990, 1, 1),
                                                         region="新县")
    ExpertProfile.objects.filter(pk=b.profile_id).update(birth_date=date(1961, 6, 2), region="新县")
    ExpertProfile.objects.filter(pk=c.profile_id).update(birth_date=None)
    Expert.objects.filter(pk=c.pk).update(status=Expert.Status.EXITED)
    result = stats.pool_statistics(xx, today=date(2026, 6, 1))
    charts = {ch.key: dict((r[0], r[1]) for r in ch.rows) for ch in result["charts"]}
    assert result["size"] == 2
    assert charts["titles"]["正高级"] == 1 and charts["titles"]["副高级"] == 1
    assert charts["ages"]["40岁以下"] == 1 and charts["ages"]["60–65岁"] == 1
    assert charts["regions"] == {"新县": 2}
    assert charts["exits"]["已出库"] == 1


def test_exits_are_counted_by_their_decided_reason(xx):
    from django.utils import timezone

    from experts.models import ExitCase, ExitReason

    voluntary = ExitReason.objects.create(body=xx, code="t-voluntary", label_zh="本人申请退出", is_voluntary=True)
    violation = ExitReason.objects.create(body=xx, code="t-violation", label_zh="违反廉洁纪律")
    now = timezone.now()
    for reason, status in [(voluntary, "exited"), (voluntary, "exited"), (violation, "exited"),
                           (violation, "kept"), (None, "exited")]:
        ExitCase.objects.create(body=xx, expert=expert_in(xx), reason=reason, source="staff", status=status,
                                opened_at=now)
    charts = {ch.key: ch.rows for ch in stats.pool_statistics(xx, today=date(2026, 6, 1))["charts"]}
    assert charts["exit_reasons"] == [("本人申请退出", 2), ("未注明", 1), ("违反廉洁纪律", 1)]


def test_the_age_band_boundary_is_the_birthday(xx):
    e = expert_in(xx)
    ExpertProfile.objects.filter(pk=e.profile_id).update(birth_date=date(1986, 6, 1))
    on_birthday = {ch.key: dict((r[0], r[1]) for r in ch.rows) for ch in
                   stats.pool_statistics(xx, today=date(2026, 6, 1))["charts"]}["ages"]
    day_before = {ch.key: dict((r[0], r[1]) for r in ch.rows) for ch in
                  stats.pool_statistics(xx, today=date(2026, 5, 31))["charts"]}["ages"]
    assert on_birthday["40–49岁"] == 1 and day_before["40岁以下"] == 1


def test_acceptance_rate(xx):
    sec = staff_of(xx)
    e = expert_in(xx)
    for status in (Invitation.Status.ACCEPTED, Invitation.Status.ACCEPTED, Invitation.Status.DECLINED,
                   Invitation.Status.EXPIRED, Invitation.Status.INVITED):
        invite(make_draw(xx, operator=sec), e, status=status)
    acc = stats.pool_statistics(xx)["acceptance"]
    assert acc == {"accepted": 2, "answered": 4, "rate": 50.0}


def test_the_page_renders_svg_charts_with_tables_in_constant_queries(client, xx, django_assert_max_num_queries):
    sec = staff_of(xx)
    client.force_login(sec)
    expert_in(xx)
    url = reverse("experts:stats", args=[xx.key])
    with django_assert_max_num_queries(26):
        one = client.get(url)
    experts = [expert_in(xx) for _i in range(10)]
    picks(xx, experts[0], 3, sec)
    with django_assert_max_num_queries(26):
        many = client.get(url)
    html = many.content.decode()
    assert one.status_code == many.status_code == 200
    assert html.count("<svg role=\"img\"") == 10 and html.count("数据表") >= 10
    assert "Binomial(3, 1/11)" in html


def test_experts_cannot_see_statistics(client, xx):
    e = expert_in(xx)
    client.force_login(e.user)
    assert client.get(reverse("experts:stats", args=[xx.key])).status_code == 403


def test_the_export_streams_every_membership_with_draw_counts(client, xx):
    sec = staff_of(xx)
    a, b = expert_in(xx), expert_in(xx)
    picks(xx, a, 2, sec)
    client.force_login(sec)
    response = client.get(reverse("experts:stats-export", args=[xx.key]))
    assert response.status_code == 200 and response.streaming
    ws = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[a.certificate_no][10:12] == (2, 2) and rows[b.certificate_no][10] == 0


def test_pool_size_at_each_month_end_counts_admissions_exits_and_lapses(xx):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from experts.models import ExitCase

    tz = ZoneInfo("Asia/Shanghai")
    old, jan, feb = expert_in(xx), expert_in(xx), expert_in(xx)
    Expert.objects.filter(pk=old.pk).update(admitted_at=datetime(2023, 5, 1, 10, tzinfo=tz))  # before the window
    Expert.objects.filter(pk=jan.pk).update(admitted_at=datetime(2026, 1, 31, 23, 59, tzinfo=tz))  # Beijing date
    Expert.objects.filter(pk=feb.pk).update(admitted_at=datetime(2026, 2, 1, 0, 0, tzinfo=tz))
    ExitCase.objects.create(body=xx, expert=feb, source="staff", status="exited", opened_at=datetime(2026, 3, 1, tzinfo=tz),
                            exit_date=date(2026, 4, 30))
    Expert.objects.filter(pk=jan.pk).update(status=Expert.Status.LAPSED, term_start=date(2023, 5, 31),
                                            term_end=date(2026, 5, 31))  # lapses on 1 June
    rows = dict(next(ch.rows for ch in stats.pool_statistics(xx, today=date(2026, 6, 15))["charts"]
                     if ch.key == "pool_size"))
    assert rows["2024-06"] == 1 and rows["2025-12"] == 1
    assert rows["2026-01"] == 2 and rows["2026-02"] == 3 and rows["2026-03"] == 3
    assert rows["2026-04"] == 2 and rows["2026-05"] == 2 and rows["2026-06"] == 1

