"""The eligibility engine on the seed bodies' rules (experts.seed): boundaries, groups,
field-conditional rules, exemptions."""
from datetime import date

import pytest

from experts.eligibility import EligibilityError, age_on, evaluate
from experts.models import Application, EligibilityRule, ExpertField
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory

TODAY = date(2026, 6, 15)
DRAFT = Application.Status.DRAFT


def field(body, code):
    return ExpertField.objects.get(body=body, code=code)


def app_for(body, codes=None, field_years=None, **profile):
    fields = [field(body, c) for c in codes] if codes is not None else None
    return make_application(body, DRAFT, profile=ProfileFactory(**profile), fields=fields, field_years=field_years)


def failed_kinds(report):
    return sorted(r.kind for r in report.failures)


# ---- age ---------------------------------------------------------------------------------

def test_age_counts_full_years_on_the_day():
    assert age_on(date(1961, 6, 15), date(2026, 6, 14)) == 64
    assert age_on(date(1961, 6, 15), date(2026, 6, 15)) == 65
    assert age_on(date(1960, 2, 29), date(2025, 2, 28)) == 64
    assert age_on(date(1960, 2, 29), date(2025, 3, 1)) == 65


@pytest.mark.django_db
def test_exactly_65_on_the_birthday_is_within_the_gd_quality_limit(pools):
    app = app_for(pools["gd-quality"], birth_date=date(1961, 6, 15))
    assert evaluate(app, date(2026, 6, 15)).ok


@pytest.mark.django_db
def test_still_65_on_the_day_before_the_66th_birthday_passes(pools):
    app = app_for(pools["gd-quality"], birth_date=date(1961, 6, 15))
    assert evaluate(app, date(2027, 6, 14)).ok


@pytest.mark.django_db
def test_one_day_past_65_full_years_fails_with_rule_and_clause(pools):
    app = app_for(pools["gd-quality"], birth_date=date(1961, 6, 15))
    report = evaluate(app, date(2027, 6, 15))
    assert not report.ok
    assert failed_kinds(report) == ["max_age"]
    [message] = report.messages
    assert "年龄超过 65 周岁的上限" in message
    assert "《广东省质量发展智库管理办法》第六条（五）" in message
    assert "年龄一般不超过65周岁" in message


@pytest.mark.django_db
def test_age_exemption_lifts_the_age_limit(pools):
    body = pools["gd-quality"]
    app = app_for(body, birth_date=date(1950, 1, 1))
    app.age_exemption_by = UserFactory()
    app.age_exemption_reason = "中国工程院院士"
    assert evaluate(app, TODAY).ok


@pytest.mark.django_db
def test_age_limit_comes_from_the_body_policy(pools):
    body = pools["gd-quality"]
    body.policy.age_limit = 70
    body.policy.save()
    app = app_for(body, birth_date=date(1958, 1, 1))  # 68
    assert evaluate(app, TODAY).ok


@pytest.mark.django_db
def test_max_age_rule_without_any_limit_is_inapplicable(pools):
    body = pools["gd-quality"]
    body.policy.age_limit = None
    body.policy.save()
    app = app_for(body, birth_date=date(1930, 1, 1))
    report = evaluate(app, TODAY)
    assert report.ok
    assert [r.applicable for r in report.results if r.kind == "max_age"] == [False]


# ---- gd-quality: title OR executive; work years --------------------------------------------

@pytest.mark.django_db
def test_gd_quality_executive_path_without_senior_title(pools):
    app = app_for(pools["gd-quality"], title_level="intermediate", is_executive=True, executive_since=2015)
    report = evaluate(app, TODAY)
    assert report.ok
    by_kind = {r.kind: r.ok for r in report.results}
    assert by_kind["min_title_level"] is False and by_kind["executive_years"] is True
    assert report.messages == []  # an alternative that fails inside a group that holds is no failure


@pytest.mark.django_db
def test_gd_quality_neither_senior_title_nor_executive_fails_both_alternatives(pools):
    app = app_for(pools["gd-quality"], title_level="intermediate", is_executive=False)
    report = evaluate(app, TODAY)
    assert not report.ok
    assert failed_kinds(report) == ["executive_years", "min_title_level"]
    assert all("同组条件满足其一即可" in m and "第六条（一）" in m for m in report.messages)


@pytest.mark.django_db
@pytest.mark.parametrize("work_since, ok", [(2021, True), (2022, False)])
def test_gd_quality_five_years_in_the_field(pools, work_since, ok):
    report = evaluate(app_for(pools["gd-quality"], work_since=work_since), TODAY)
    assert report.ok is ok
    if not ok:
        assert failed_kinds(report) == ["work_years"]
        assert "从业不满 5 年" in report.messages[0]


@pytest.mark.django_db
def test_all_groups_must_hold(pools):
    app = app_for(pools["gd-quality"], title_level="junior", work_since=2024, birth_date=date(1950, 1, 1))
    assert failed_kinds(evaluate(app, TODAY)) == ["executive_years", "max_age", "min_title_level", "work_years"]


# ---- xx-random: degree / licence years --------------------------------------------------

NO_TITLE = dict(title_level="intermediate", licence="", licence_year=None)


@pytest.mark.django_db
@pytest.mark.parametrize("degree_year, ok", [(2023, True), (2024, False)])
def test_xx_random_doctorate_exactly_three_years(pools, degree_year, ok):
    app = app_for(pools["xx-random"], ["policy-law"], degree="doctorate", degree_year=degree_year, **NO_TITLE)
    report = evaluate(app, TODAY)
    assert report.ok is ok
    if not ok:
        assert "取得博士学位不满 3 年" in " ".join(report.messages)


@pytest.mark.django_db
@pytest.mark.parametrize("degree_year, ok", [(2021, True), (2022, False)])
def test_xx_random_master_five_years(pools, degree_year, ok):
    app = app_for(pools["xx-random"], ["policy-law"], degree="master", degree_year=degree_year, **NO_TITLE)
    assert evaluate(app, TODAY).ok is ok


@pytest.mark.django_db
def test_xx_random_a_doctorate_satisfies_the_master_rule(pools):
    app = app_for(pools["xx-random"], ["policy-law"], degree="doctorate", degree_year=2020, **NO_TITLE)
    results = {(r.kind, r.rule_id): r.ok for r in evaluate(app, TODAY).results if r.kind == "degree_years"}
    assert list(results.values()) == [True, True]


@pytest.mark.django_db
@pytest.mark.parametrize("licence_year, ok", [(2021, True), (2022, False)])
def test_xx_random_licence_five_years(pools, licence_year, ok):
    app = app_for(pools["xx-random"], ["finance-audit"], degree="bachelor", degree_year=2000,
                  title_level="intermediate", licence="注册会计师", licence_year=licence_year)
    assert evaluate(app, TODAY).ok is ok


@pytest.mark.django_db
def test_xx_random_no_qualification_lists_every_alternative_with_its_clause(pools):
    app = app_for(pools["xx-random"], ["policy-law"], degree="bachelor", degree_year=2000, **NO_TITLE)
    report = evaluate(app, TODAY)
    assert failed_kinds(report) == ["degree_years", "degree_years", "licence_years", "min_title_level"]
    assert all("第五条（四）" in m for m in report.messages)


# ---- field-conditional rules (xx-random special industries) --------------------------------

@pytest.mark.django_db
def test_special_industry_rules_are_inapplicable_for_other_fields(pools):
    app = app_for(pools["xx-random"], ["electronics"], field_years=None)
    report = evaluate(app, TODAY)
    assert report.ok
    special = [r for r in report.results if r.group.startswith("special")]
    assert len(special) == 2 and all(not r.applicable for r in special)


@pytest.mark.django_db
@pytest.mark.parametrize("years, ok", [(10, True), (9, False)])
def test_special_industry_needs_ten_years(pools, years, ok):
    report = evaluate(app_for(pools["xx-random"], ["special-industry"], field_years=years), TODAY)
    assert report.ok is ok
    if not ok:
        assert failed_kinds(report) == ["field_years"]
        assert "第六条（四）" in report.messages[0] and "不满 10 年" in report.messages[0]


@pytest.mark.django_db
def test_special_industry_needs_an_intermediate_title_even_with_a_doctorate(pools):
    app = app_for(pools["xx-random"], ["special-industry"], field_years=12, title_level="junior",
                  degree="doctorate", degree_year=2010)
    report = evaluate(app, TODAY)
    assert failed_kinds(report) == ["min_title_level"]
    assert report.failures[0].group == "special-title"


@pytest.mark.django_db
def test_a_field_condition_on_a_parent_code_applies_to_its_children(pools):
    body = pools["xx-random"]
    EligibilityRule.objects.create(body=body, group="industry", kind="field_years",
                                   params={"years": 8, "fields": ["industry-tech"]}, label_zh="产业技术从业8年",
                                   clause="测试条款")
    report = evaluate(app_for(body, ["materials"], field_years=7), TODAY)
    assert failed_kinds(report) == ["field_years"]
    assert evaluate(app_for(body, ["policy-law"], field_years=7), TODAY).ok


@pytest.mark.django_db
def test_inactive_rules_are_ignored_and_a_body_without_rules_accepts(pools):
    body = pools["gd-quality"]
    EligibilityRule.objects.filter(body=body, kind="work_years").update(is_active=False)
    assert evaluate(app_for(body, work_since=2025), TODAY).ok
    assert evaluate(app_for(pools["jm-storage"], title_level="none", work_since=None), TODAY).results == []


@pytest.mark.django_db
def test_report_serialises_and_error_carries_one_message_per_failure(pools):
    app = app_for(pools["gd-quality"], title_level="junior", birth_date=date(1950, 1, 1))
    report = evaluate(app, TODAY)
    data = report.as_json()
    assert {"rule_id", "group", "label", "ok", "applicable", "message", "clause", "kind"} <= set(data[0])
    error = EligibilityError(report)
    assert error.messages == report.messages and len(error.messages) == 3
