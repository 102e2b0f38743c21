"""The eligibility engine: evaluates a body's active `EligibilityRule` rows against an
application (its profile and chosen fields of expertise).

Rules with the same `group` are alternatives (one suffices); every group must hold. A rule
with `params["fields"]` applies only when the application chose one of those field codes
or a descendant of one; a group whose rules are all inapplicable holds.

Ages are exact: full years reached on `today` (a person is 65 from the 65th birthday until
the day before the 66th). "年龄不超过 65 周岁" holds while that age is ≤ 65. Year-based rules
(degree, licence, executive, work) count calendar years: `today.year - year ≥ n`.
"""
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import EligibilityRule, ExpertField
from .models.pool import DEGREE_RANK, TITLE_RANK, Degree, TitleLevel

Kind = EligibilityRule.Kind


@dataclass
class RuleResult:
    rule_id: int
    group: str
    label: str
    ok: bool
    applicable: bool
    message: str = ""
    clause: str = ""
    kind: str = ""

    def as_dict(self):
        return asdict(self)


@dataclass
class EligibilityReport:
    ok: bool
    results: list = field(default_factory=list)

    @property
    def failures(self):
        """Failed, applicable rules of the groups that do not hold."""
        failed_groups = {g for g, held in self.groups().items() if not held}
        return [r for r in self.results if r.applicable and not r.ok and r.group in failed_groups]

    @property
    def messages(self):
        return [r.message for r in self.failures]

    def groups(self):
        held = {}
        for r in self.results:
            held.setdefault(r.group, None)
            if r.applicable:
                held[r.group] = bool(held[r.group]) or r.ok
        return {g: (v is None or v) for g, v in held.items()}

    def as_json(self):
        return [r.as_dict() for r in self.results]


class EligibilityError(ValidationError):
    """Submission refused: one message per failed rule (rule label and clause included)."""

    def __init__(self, report):
        self.report = report
        super().__init__(report.messages, code="ineligible")


def age_on(birth_date, today):
    """Full years reached on `today`."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _years_since(year, today):
    return None if not year else today.year - year


def _field_codes_with_ancestors(application):
    """Codes of the chosen fields and of all their ancestors (two queries)."""
    chosen = list(application.fields.values_list("id", flat=True))
    if not chosen:
        return set()
    tree = {pk: (code, parent) for pk, code, parent in
            ExpertField.objects.filter(body_id=application.body_id).values_list("id", "code", "parent_id")}
    codes = set()
    for pk in chosen:
        seen = set()
        while pk is not None and pk in tree and pk not in seen:
            seen.add(pk)
            code, pk = tree[pk]
            codes.add(code)
    return codes


def _check(rule, application, profile, policy, today):
    """(ok, reason) of one applicable rule; `reason` says what is missing."""
    p = rule.params or {}
    kind = rule.kind
    if kind == Kind.MAX_AGE:
        limit = p.get("years") or (policy.age_limit if policy else None)
        if application.age_exemption_by_id:
            return True, ""
        if not profile.birth_date:
            return False, _("未填写出生日期，无法核对年龄上限")
        age = age_on(profile.birth_date, today)
        if age > limit:
            return False, _("年龄超过 %(limit)s 周岁的上限（现年 %(age)s 周岁）") % {"limit": limit, "age": age}
        return True, ""
    if kind == Kind.MIN_TITLE_LEVEL:
        level = p.get("level", TitleLevel.DEPUTY_SENIOR)
        if TITLE_RANK.get(profile.title_level, 0) >= TITLE_RANK[level]:
            return True, ""
        return False, _("职称等级未达到%(level)s及以上（现为%(current)s）") % {
            "level": TitleLevel(level).label, "current": TitleLevel(profile.title_level).label}
    if kind == Kind.EXECUTIVE_YEARS:
        years = int(p.get("years", 0))
        if not profile.is_executive:
            return False, _("不是企业高层管理人员")
        held = _years_since(profile.executive_since, today)
        if years and (held is None or held < years):
            return False, _("担任企业高层管理职务不满 %(years)s 年") % {"years": years}
        return True, ""
    if kind == Kind.DEGREE_YEARS:
        degree, years = p.get("degree", Degree.BACHELOR), int(p.get("years", 0))
        if DEGREE_RANK.get(profile.degree, 0) < DEGREE_RANK[degree]:
            return False, _("未取得%(degree)s及以上学位") % {"degree": Degree(degree).label}
        held = _years_since(profile.degree_year, today)
        if held is None or held < years:
            return False, _("取得%(degree)s学位不满 %(years)s 年") % {"degree": Degree(degree).label, "years": years}
        return True, ""
    if kind == Kind.LICENCE_YEARS:
        years = int(p.get("years", 0))
        if not profile.licence.strip():
            return False, _("未填写国家执业资格")
        held = _years_since(profile.licence_year, today)
        if held is None or held < years:
            return False, _("取得执业资格不满 %(years)s 年") % {"years": years}
        return True, ""
    if kind == Kind.FIELD_YEARS:
        years = int(p.get("years", 0))
        if application.field_years is None:
            return False, _("未填写所选领域从业年限（须 %(years)s 年以上）") % {"years": years}
        if application.field_years < years:
            return False, _("所选领域从业不满 %(years)s 年（填报 %(n)s 年）") % {
                "years": years, "n": application.field_years}
        return True, ""
    if kind == Kind.WORK_YEARS:
        years = int(p.get("years", 0))
        held = _years_since(profile.work_since, today)
        if held is None:
            return False, _("未填写参加工作年份（须从业 %(years)s 年以上）") % {"years": years}
        if held < years:
            return False, _("从业不满 %(years)s 年（自 %(since)s 年起）") % {"years": years, "since": profile.work_since}
        return True, ""
    raise ValueError(f"unknown eligibility rule kind {kind!r}")


def _applicable(rule, application, profile, policy, codes):
    only = (rule.params or {}).get("fields")
    if only and not codes.intersection(only):
        return False
    if rule.kind == Kind.MAX_AGE and not ((rule.params or {}).get("years") or (policy and policy.age_limit)):
        return False  # no limit set for this body
    return True


def active_rules(body):
    return list(EligibilityRule.objects.filter(body=body, is_active=True).order_by("order", "id"))


def evaluate(application, today, *, rules=None):
    """Evaluate the body's active rules for `application` on `today` → EligibilityReport."""
    from portal.models import Policy

    profile = application.profile
    policy = Policy.objects.filter(body_id=application.body_id).first()
    rules = active_rules(application.body_id) if rules is None else rules
    codes = _field_codes_with_ancestors(application) if any((r.params or {}).get("fields") for r in rules) else set()
    alternatives = {}
    for rule in rules:
        if _applicable(rule, application, profile, policy, codes):
            alternatives[rule.group] = alternatives.get(rule.group, 0) + 1
    results = []
    for rule in rules:
        if not _applicable(rule, application, profile, policy, codes):
            results.append(RuleResult(rule.pk, rule.group, rule.label_zh, True, False, "", rule.clause, rule.kind))
            continue
        ok, reason = _check(rule, application, profile, policy, today)
        message = ""
        if not ok:
            clause = f"（{rule.clause}）" if rule.clause else ""
            if alternatives.get(rule.group, 0) > 1:
                message = _("不符合“%(label)s”：%(reason)s%(clause)s；同组条件满足其一即可") % {
                    "label": rule.label, "reason": reason, "clause": clause}
            else:
                message = _("不符合“%(label)s”：%(reason)s%(clause)s") % {
                    "label": rule.label, "reason": reason, "clause": clause}
        results.append(RuleResult(rule.pk, rule.group, rule.label_zh, ok, True, message, rule.clause, rule.kind))
    report = EligibilityReport(ok=True, results=results)
    report.ok = all(report.groups().values())
    return report
