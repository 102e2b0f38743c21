"""Boundary tests of the quorum and voting rules (exact fractions, ≥)."""
from fractions import Fraction

import pytest

from councils import rules

JX = {"quorum_num": 2, "quorum_den": 3, "min_vice_chairs_present": 3, "pass_num": 2, "pass_den": 3,
      "major_pass_num": 2, "major_pass_den": 3, "major_base": "all", "petition_num": 1, "petition_den": 3,
      "leaders_max_num": 1, "leaders_max_den": 3, "agenda_lead_workdays": 5, "written_vote_allowed": True,
      "term_years": 3}
JM = {**JX, "min_vice_chairs_present": 0, "written_vote_allowed": False}


def test_quorum_reached_by_exactly_two_thirds():
    v = rules.quorum(rules.quorum_rule(JM), members=21, present=14)
    assert (v.ok, v.needed) == (True, 14)
    assert Fraction(14, 21) == Fraction(2, 3)


def test_quorum_missed_by_one():
    v = rules.quorum(rules.quorum_rule(JM), members=21, present=13)
    assert (v.ok, v.needed) == (False, 14)


def test_quorum_needed_rounds_up_when_not_exact():
    # 2/3 of 20 = 13.33…: 13 is not enough, 14 is
    rule = rules.quorum_rule(JM)
    assert rules.quorum(rule, 20, 13).ok is False
    v = rules.quorum(rule, 20, 14)
    assert (v.ok, v.needed) == (True, 14)


def test_composite_quorum_fails_only_on_vice_chair_count():
    v = rules.quorum(rules.quorum_rule(JX), members=20, present=18, roles_present={"vice_chair": 2})
    assert v.ok is False
    assert [p.ok for p in v.parts] == [True, False]
    assert v.parts[1].needed == 3 and v.parts[1].have == 2
    assert str(v) == "出席 18/20，需 14（且副理事长 ≥ 3：到 2）"


def test_composite_quorum_reached_with_exactly_three_vice_chairs():
    v = rules.quorum(rules.quorum_rule(JX), members=20, present=14, roles_present={"vice_chair": 3})
    assert v.ok is True


def test_quorum_of_empty_council_is_not_reached():
    assert rules.quorum(rules.quorum_rule(JM), 0, 0).ok is False


def test_quorum_rejects_more_present_than_members():
    with pytest.raises(ValueError):
        rules.quorum(rules.quorum_rule(JM), 10, 11)


def test_ordinary_passes_at_exactly_two_thirds_of_present():
    rule = rules.motion_rule(JX, "ordinary")
    assert rule["base"] == "present"
    v = rules.vote(rule, rules.vote_base(rule, members=30, present=21), yes=14)
    assert (v.ok, v.needed, v.base) == (True, 14, 21)
    assert str(v) == "通过：出席 21 人中同意 14 票，需 14 票"


def test_ordinary_fails_one_below_two_thirds_of_present():
    rule = rules.motion_rule(JX, "ordinary")
    v = rules.vote(rule, 21, 13)
    assert (v.ok, v.needed) == (False, 14)
    assert str(v) == "未通过：出席 21 人中同意 13 票，需 14 票"


def test_major_matter_with_many_absentees_fails_although_ordinary_would_pass():
    # 27 seat holders, 18 present (quorate: exactly 2/3), 17 vote yes: an ordinary motion passes
    # (needs 12 of 18 present) but a major matter needs 2/3 of all 27 = 18.
    members, present = 27, 18
    assert rules.quorum(rules.quorum_rule(JM), members, present).ok is True
    assert rules.vote(rules.motion_rule(JX, "ordinary"), present, 17).ok is True
    rule = rules.motion_rule(JX, "major")
    assert rule["base"] == "all"
    v = rules.vote(rule, rules.vote_base(rule, members=members, present=present), yes=17)
    assert (v.ok, v.needed, v.base) == (False, 18, 27)
    assert str(v) == "未通过：全体 27 人中同意 17 票，需 18 票"
    assert rules.vote(rule, rules.vote_base(rule, members=members, present=present), yes=18).ok is True


def test_major_matter_rounds_up():
    rule = rules.motion_rule(JX, "major")
    assert rules.vote(rule, 25, 16).ok is False
    v = rules.vote(rule, 25, 17)
    assert (v.ok, v.needed) == (True, 17)


def test_recall_uses_major_rule_and_election_the_ordinary_rule():
    assert rules.motion_rule(JX, "recall")["base"] == "all"
    assert rules.motion_rule(JX, "election")["base"] == "present"
    assert rules.motion_rule(JX, "unit_admission")["base"] == "present"


def test_written_vote_base_is_all_members():
    rule = rules.motion_rule(JX, "ordinary", written=True)
    assert rules.vote_base(rule, members=30, present=12) == 30


def test_major_base_present_when_policy_says_so():
    rule = rules.motion_rule({**JX, "major_base": "present"}, "major")
    assert rules.vote_base(rule, 30, 21) == 21


def test_vote_with_empty_base_fails():
    assert rules.vote(rules.motion_rule(JX, "ordinary"), 0, 0).ok is False


def test_abstentions_count_in_the_base():
    # 21 present: 14 yes, 0 no, 7 abstain → passes; 13 yes + 8 abstain → fails
    rule = rules.motion_rule(JX, "ordinary")
    assert rules.vote(rule, 21, 14).ok is True
    assert rules.vote(rule, 21, 13).ok is False


def test_unknown_motion_kind_is_rejected():
    with pytest.raises(ValueError):
        rules.motion_rule(JX, "bogus")


def test_leaders_at_exactly_one_third_of_units_is_allowed():
    v = rules.leaders_ok(JX, leaders=7, units=21)
    assert (v.ok, v.needed) == (True, 7)


def test_leaders_one_above_one_third_is_refused():
    assert rules.leaders_ok(JX, leaders=8, units=21).ok is False
    # 20 units: 1/3 is 6.67 → at most 6
    assert rules.leaders_ok(JX, leaders=6, units=20).ok is True
    assert rules.leaders_ok(JX, leaders=7, units=20).ok is False


def test_petition_needs_ceil_one_third_of_units():
    assert rules.petition_needed(JX, 21) == 7
    assert rules.petition_needed(JX, 20) == 7
    assert rules.petition_needed(JX, 18) == 6


def test_policy_objects_and_snapshots_give_the_same_rule(bodies):
    policy = bodies["jx-base"].policy
    snap = rules.policy_snapshot(policy)
    assert rules.quorum_rule(policy) == rules.quorum_rule(snap) == {"num": 2, "den": 3, "roles": {"vice_chair": 3}}
    assert rules.motion_rule(policy, "major") == rules.motion_rule(snap, "major")
