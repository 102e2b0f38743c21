"""Quorum and voting rules: pure functions, exact integer arithmetic, no database.

The rule comes from the body's Policy (or from the snapshot a meeting or motion froze):

    rule = quorum_rule(policy)                 # {"num": 2, "den": 3, "roles": {"vice_chair": 3}}
    v = quorum(rule, members=20, present=14, roles_present={"vice_chair": 2})
    v.ok, v.needed, str(v)                     # False, 14, "出席 14/20，需 14（且副理事长 ≥ 3：到 2）"

    rule = motion_rule(policy, "major")        # {"kind": "major", "base": "all", "num": 2, "den": 3}
    v = vote(rule, base_count=25, yes=17)      # ok, needed 17

A fraction threshold is always "不少于 / 以上" (≥): `have * den >= num * base`, and the
required count is ceil(num * base / den), computed in integers (never floats). The meeting
page, the services and `manage.py rules` all call these functions.

Motion kinds and their rules:
- ordinary, election, unit_admission: the policy's pass fraction of those **present**
  (abstentions and present non-voters count in the base);
- major, recall: the policy's major fraction of the policy's major base (all seat holders
  by default — "全体理事 2/3 以上").
Written votes always use all seat holders as the base (`written=True`).
"""
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ROLE_LABELS = {
    "chair": gettext_lazy("理事长"),
    "vice_chair": gettext_lazy("副理事长"),
    "secretary_general": gettext_lazy("秘书长"),
    "standing": gettext_lazy("常务理事"),
    "member": gettext_lazy("理事"),
}

BASE_PRESENT = "present"
BASE_ALL = "all"
MAJOR_KINDS = ("major", "recall")
KINDS = ("ordinary", "major", "election", "recall", "unit_admission")

SNAPSHOT_FIELDS = (
    "quorum_num", "quorum_den", "min_vice_chairs_present", "pass_num", "pass_den", "major_pass_num",
    "major_pass_den", "major_base", "petition_num", "petition_den", "leaders_max_num", "leaders_max_den",
    "agenda_lead_workdays", "written_vote_allowed", "term_years",
)


def _get(policy, name):
    if isinstance(policy, dict):
        return policy[name]
    return getattr(policy, name)


def policy_snapshot(policy):
    """The policy values a meeting or motion freezes when it starts (a plain dict)."""
    return {name: _get(policy, name) for name in SNAPSHOT_FIELDS}


def ceil_fraction(num, den, base):
    """ceil(num * base / den) in integers."""
    return -(-num * base // den)


def meets(have, num, den, base):
    """`have` reaches num/den of `base` (≥)."""
    return have * den >= num * base


@dataclass
class Part:
    label: str
    needed: int
    have: int
    ok: bool

    def as_dict(self):
        return {"label": str(self.label), "needed": self.needed, "have": self.have, "ok": self.ok}


@dataclass
class Verdict:
    kind: str                      # "quorum", "vote" or "leaders"
    ok: bool
    needed: int
    members: int = 0
    present: int = 0
    yes: int | None = None
    base: int | None = None
    base_kind: str = ""
    parts: list = field(default_factory=list)
    fraction: Fraction | None = None

    @property
    def keyword(self):
        """The plain verdict word printed by `manage.py rules` (not translated)."""
        if self.kind == "quorum":
            return "quorate" if self.ok else "not quorate"
        if self.kind == "vote":
            return "passes" if self.ok else "fails"
        return "ok" if self.ok else "exceeded"

    def summary(self):
        if self.kind == "quorum":
            text = _("出席 %(present)d/%(members)d，需 %(needed)d") % {
                "present": self.present, "members": self.members, "needed": self.needed}
            extra = [_("%(label)s ≥ %(needed)d：到 %(have)d") % {"label": p.label, "needed": p.needed, "have": p.have}
                     for p in self.parts[1:]]
            if extra:
                text += _("（且%(parts)s）") % {"parts": "；".join(extra)}
            return text
        if self.kind == "vote":
            verdict = _("通过") if self.ok else _("未通过")
            if self.base_kind == BASE_ALL:
                text = _("%(verdict)s：全体 %(base)d 人中同意 %(yes)d 票，需 %(needed)d 票")
            else:
                text = _("%(verdict)s：出席 %(base)d 人中同意 %(yes)d 票，需 %(needed)d 票")
            return text % {"verdict": verdict, "base": self.base, "yes": self.yes, "needed": self.needed}
        return _("领导成员 %(have)d 人，成员单位 %(units)d 家，上限 %(needed)d 人") % {
            "have": self.present, "units": self.members, "needed": self.needed}

    def __str__(self):
        return self.summary()

    def as_dict(self):
        return {"kind": self.kind, "ok": self.ok, "needed": self.needed, "members": self.members,
                "present": self.present, "yes": self.yes, "base": self.base, "base_kind": self.base_kind,
                "parts": [p.as_dict() for p in self.parts], "summary": self.summary()}


# ---------------------------------------------------------------------------
# quorum


def quorum_rule(policy):
    """{"num", "den", "roles": {role: minimum present}} from a Policy or a snapshot dict."""
    roles = {}
    vice = _get(policy, "min_vice_chairs_present") or 0
    if vice:
        roles["vice_chair"] = vice
    return {"num": _get(policy, "quorum_num"), "den": _get(policy, "quorum_den"), "roles": roles}


def quorum(rule, members, present, roles_present=None):
    """Is a meeting quorate? `members` = seat holders, `present` = seats present,
    `roles_present` = {role: seats of that role present}. Every part must hold; no seat
    holders means no quorum."""
    num, den = rule["num"], rule["den"]
    if members < 0 or present < 0 or present > members:
        raise ValueError("need 0 ≤ present ≤ members")
    needed = ceil_fraction(num, den, members)
    main_ok = members > 0 and meets(present, num, den, members)
    parts = [Part(_("出席人数"), needed, present, main_ok)]
    roles_present = roles_present or {}
    for role, minimum in (rule.get("roles") or {}).items():
        have = int(roles_present.get(role, 0))
        parts.append(Part(str(ROLE_LABELS.get(role, role)), int(minimum), have, have >= int(minimum)))
    return Verdict(kind="quorum", ok=all(p.ok for p in parts), needed=needed, members=members, present=present,
                   parts=parts, fraction=Fraction(num, den))


# ---------------------------------------------------------------------------
# votes


def motion_rule(policy, kind, *, written=False):
    """{"kind", "base": "present"|"all", "num", "den"} for a motion of `kind`."""
    if kind not in KINDS:
        raise ValueError(f"unknown motion kind {kind!r}")
    if kind in MAJOR_KINDS:
        rule = {"kind": kind, "base": _get(policy, "major_base"), "num": _get(policy, "major_pass_num"),
                "den": _get(policy, "major_pass_den")}
    else:
        rule = {"kind": kind, "base": BASE_PRESENT, "num": _get(policy, "pass_num"), "den": _get(policy, "pass_den")}
    if written:
        rule["base"] = BASE_ALL
    return rule


def vote_base(rule, members, present):
    return members if rule["base"] == BASE_ALL else present


def vote(rule, base_count, yes):
    """Does `yes` reach the rule's fraction of `base_count`? A vote with an empty base fails."""
    num, den = rule["num"], rule["den"]
    if base_count < 0 or yes < 0 or yes > base_count:
        raise ValueError("need 0 ≤ yes ≤ base")
    needed = ceil_fraction(num, den, base_count)
    ok = base_count > 0 and meets(yes, num, den, base_count)
    return Verdict(kind="vote", ok=ok, needed=needed, yes=yes, base=base_count, base_kind=rule["base"],
                   members=base_count, present=yes, fraction=Fraction(num, den),
                   parts=[Part(_("同意票"), needed, yes, ok)])


# ---------------------------------------------------------------------------
# leaders


def leaders_ok(policy, leaders, units):
    """Leaders (chair + vice-chairs + secretary-general) ≤ leaders_max of member units
    ("负责人总数不超过理事单位数的1/3")."""
    num, den = _get(policy, "leaders_max_num"), _get(policy, "leaders_max_den")
    allowed = num * units // den
    ok = leaders * den <= num * units
    return Verdict(kind="leaders", ok=ok, needed=allowed, members=units, present=leaders,
                   fraction=Fraction(num, den), parts=[Part(_("领导成员"), allowed, leaders, ok)])


def petition_needed(policy, units):
    """Signatures of member units a petition needs: ceil(petition_num/den × units)."""
    return ceil_fraction(_get(policy, "petition_num"), _get(policy, "petition_den"), units)
