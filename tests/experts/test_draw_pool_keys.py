"""The normalized recusal keys on ExpertProfile that eligible_pool filters on in SQL: kept in
step on save, set by the scale seeder's bulk_create, and giving the same reasons as the
plain-Python rules (normalize) for spacing, case, recent employers and declared relations."""
import pytest

from experts.draws.pool import eligible_pool
from experts.models import ExpertProfile
from tests.experts.factories import ProfileFactory
from tests.experts.test_draw_pool import UNIT, field, make_expert, new_draw, people, sent, xx, gd  # noqa: F401

pytestmark = pytest.mark.django_db


def test_keys_follow_the_profile_on_save_and_update_fields():
    prof = ProfileFactory(name=" Li　Ming ", employer="Heng Da 机械", recent_employers=["A 大学", None, 3],
                          close_relations="配偶在 X公司", shareholdings="无")
    assert (prof.name_key, prof.employer_key, prof.recent_employer_keys, prof.declared_key) == (
        "liming", "hengda机械", "\na大学\n\n\n\n3\n", "配偶在x公司无")
    prof.employer = "Other  Co"
    prof.recent_employers = "not a list"
    prof.save(update_fields=["employer", "recent_employers"])
    row = ExpertProfile.objects.values("employer_key", "recent_employer_keys").get(pk=prof.pk)
    assert row == {"employer_key": "otherco", "recent_employer_keys": ""}


def test_scale_profiles_get_keys():
    from experts.scale import create_experts

    create_experts(3, bodies=("xx-random",))
    assert not ExpertProfile.objects.filter(name_key="").exists()
    assert not ExpertProfile.objects.filter(employer_key="").exists()


def test_sql_matching_equals_normalized_python_rules(xx, people):
    spaced = UNIT[:4] + " \u3000" + UNIT[4:]
    cases = {
        "employer_spaced": ({"employer": spaced}, ["employer"]),
        "employer_case": ({"employer": "Mou DAXUE"}, ["employer"]),
        "recent_elementwise": ({"recent_employers": ["x", "mou daxue "]}, ["employer"]),
        "recent_partial_is_not_a_match": ({"recent_employers": ["mou daxue 分校"]}, None),
        "employer_partial_is_not_a_match": ({"employer": UNIT + "分公司"}, None),
        "relation_across_fields": ({"close_relations": "配偶任职于" + UNIT[:6], "shareholdings": UNIT[6:] + "股份"},
                                   ["relation"]),
        "relation_case": ({"shareholdings": "持有 MOU Daxue 股票"}, ["relation"]),
        "participant": ({"name": " Wang  Wu"}, ["participant"]),
        "wildcards_are_literal": ({"shareholdings": "100%_"}, None),
        "all_three": ({"name": "wangwu", "employer": "moudaxue", "shareholdings": UNIT}, ["employer", "participant",
                                                                                            "relation"]),
    }
    experts = {k: make_expert(xx, **profile) for k, (profile, _) in cases.items()}
    draw = new_draw(xx, people, partner_units=["Mou Daxue", "%"], project_participants=["WANG wu"])
    result = eligible_pool(draw)
    for k, (_, expected) in cases.items():
        got = result.exclusions.get(str(experts[k].pk))
        if k == "wildcards_are_literal":  # "%" is a unit here: a literal substring, not a wildcard
            assert got == ["relation"], k
        else:
            assert got == expected, k
