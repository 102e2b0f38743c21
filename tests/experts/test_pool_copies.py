"""The profile fields a draw's conditions test (title level, region, employer type) are copied
onto every membership (Expert, PROFILE_COPIES) so that the pool query reads the member rows (or,
on PostgreSQL, the candidate index the triggers fill from them) and not the profiles; the
recusal grounds read the profile's own keys and EmployerKey rows. Every path that changes a
profile or creates/reactivates a membership keeps them in step, and a draw sees the change at
once: admission, change-report acknowledgement, staff-recorded changes, renewal, the
applicant's own profile edit, any ExpertProfile.save, seed_scale, the demo and the migration that
filled the employer keys. The pool hash built from the database's id strings is byte for byte
the canonical one."""
import importlib
import random
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from experts.draws import fairness
from experts.draws.pool import eligible_pool, member_reasons
from experts.models import Application, ChangeReport, EmployerKey, Expert, ExpertProfile
from experts.models.pool import PROFILE_COPIES, normalize, profile_copies, sync_profile_copies
from experts.scale import create_experts
from experts.services import applications, changes, terms
from experts.services.admission import admit
from tests.experts.factories import ProfileFactory, make_application
from tests.experts.lifecycle_helpers import at, expert_in, make_draw, pdf, staff_of
from tests.experts.test_draw_pool import gd, people, xx  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
K = ChangeReport.Kind


def assert_in_step(*experts):
    for e in experts:
        e = Expert.objects.get(pk=e.pk)
        assert profile_copies(e) == profile_copies(ExpertProfile.objects.get(pk=e.profile_id)), e


def expert_updates(ctx):
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "experts_expert"')]


def draw_for(body, **conditions):
    draw = make_draw(body, status="draft")
    for name, value in conditions.items():
        setattr(draw, name, value)
    draw.save()
    return draw


def reasons(draw, expert):
    result = eligible_pool(draw)
    codes = member_reasons(draw, [expert.pk])[expert.pk]
    assert (expert.pk in result.pool_ids) == (not codes)
    return codes or "pool"


def employer_keys(expert):
    return set(EmployerKey.objects.filter(profile_id=expert.profile_id).values_list("key", flat=True))


def test_the_copies_are_the_condition_columns():
    # the recusal grounds read the profile (its indexed keys and EmployerKey rows), not copies
    assert PROFILE_COPIES == ("title_level", "region", "employer_type")


def test_admission_copies_the_profile_onto_the_new_membership(gd):
    app = make_application(gd, status=Application.Status.IN_NOTICE,
                           profile=ProfileFactory(region="江门市", title_level="senior", employer="江门市某研究院"))
    expert = admit(app, now=at(2026, 11, 25))
    assert_in_step(expert)
    assert (expert.region, expert.title_level) == ("江门市", "senior")
    assert employer_keys(expert) == {normalize("江门市某研究院")}
    assert reasons(draw_for(gd, regions=["江门市"], min_title_level="senior"), expert) == "pool"
    assert reasons(draw_for(gd, reviewed_unit="江门市 某研究院"), expert) == ["employer"]


def test_acknowledging_a_title_change_lifts_the_title_condition_at_once(xx):
    sec = staff_of(xx)
    expert = expert_in(xx)
    draw = draw_for(xx, min_title_level="senior")
    assert reasons(draw, expert) == ["condition:min_title_level"]  # deputy senior
    report = changes.file_change(expert, actor=expert.user, kind=K.TITLE, new_value="正高级工程师",
                                 new_title_level="senior", effective_date=date(2026, 10, 8), proof=pdf(),
                                 now=at(2026, 10, 9))
    assert reasons(draw, expert) == ["condition:min_title_level"]  # filed, not yet acknowledged
    changes.acknowledge(report, actor=sec, now=at(2026, 10, 12))
    assert_in_step(expert)
    assert reasons(draw, expert) == "pool"


def test_a_staff_recorded_employer_change_recuses_at_once_and_keeps_the_old_employer(xx):
    sec = staff_of(xx)
    expert = expert_in(xx)
    old = expert.profile.employer
    new_unit, old_unit = draw_for(xx, reviewed_unit="新县智能制造研究院"), draw_for(xx, reviewed_unit=old)
    assert (reasons(new_unit, expert), reasons(old_unit, expert)) == ("pool", ["employer"])
    changes.record_noticed_change(expert, actor=sec, kind=K.EMPLOYER, new_value="新县智能制造研究院",
                                  effective_date=date(2026, 10, 8), now=at(2026, 10, 9))
    assert_in_step(expert)
    # the new employer, and the old one as a recent employer
    assert (reasons(new_unit, expert), reasons(old_unit, expert)) == (["employer"], ["employer"])


def test_every_membership_of_the_person_follows_the_profile(xx, gd):
    expert = expert_in(xx)
    other = Expert.objects.create(
        body=gd, user=expert.user, profile=expert.profile, certificate_no="T-gd-second",
        application=make_application(gd, status=Application.Status.ADMITTED, profile=expert.profile),
        term_start=date(2026, 1, 1), term_end=date(2028, 12, 31), admitted_at=at(2026, 1, 1),
        public_name=expert.public_name)
    changes.record_noticed_change(expert, actor=staff_of(xx), kind=K.TITLE, new_value="正高级工程师",
                                  new_title_level="senior", effective_date=date(2026, 10, 8), now=at(2026, 10, 9))
    assert_in_step(expert, other)
    assert Expert.objects.get(pk=other.pk).title_level == "senior"
    assert reasons(draw_for(gd, min_title_level="senior"), other) == "pool"


def test_the_applicants_own_profile_edit_reaches_their_existing_membership(xx, gd):
    expert = expert_in(xx)  # a member of xx-random applying to gd-quality with the same profile
    draft = make_application(gd, status=Application.Status.DRAFT, profile=expert.profile)
    draw = draw_for(xx, regions=["深圳市"])
    assert reasons(draw, expert) == ["condition:regions"]
    applications.save_draft(draft, actor=expert.user, fields=list(draft.fields.all()),
                            profile_data={"region": "深圳市", "close_relations": "配偶在新县某某机械有限公司任职"})
    assert_in_step(expert)
    # the draw's reviewed unit is 新县某某机械有限公司: now a declared relation too
    assert reasons(draw, expert) == ["relation"]


def test_any_profile_save_syncs_but_a_contact_edit_does_not_touch_the_memberships(xx):
    expert = expert_in(xx)
    profile = ExpertProfile.objects.get(pk=expert.profile_id)
    profile.shareholdings = "持有新县某某机械有限公司股份"
    with CaptureQueriesContext(connection) as ctx:
        profile.save()
    assert len(expert_updates(ctx)) == 1
    assert_in_step(expert)
    with CaptureQueriesContext(connection) as ctx:
        changes.update_contact(profile, actor=expert.user, phone="13900000000", email="new@example.cn",
                               address="新地址")
    assert expert_updates(ctx) == []
    with CaptureQueriesContext(connection) as ctx:
        ProfileFactory()  # a new profile has no membership to update
    assert expert_updates(ctx) == []


def test_renewal_refreshes_the_copies_of_a_lapsed_membership(gd, people):
    gd.policy.renewal_skips_notice = True
    gd.policy.save()
    expert = expert_in(gd, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    renewal = terms.file_renewal(expert, actor=expert.user, now=at(2028, 12, 20))
    terms.forward_renewal(renewal, actor=people["staff"], now=at(2028, 12, 21))
    assert terms.lapse_due_memberships(now=at(2029, 1, 1, 0, 5)) == 1
    # copies gone stale while lapsed (e.g. written by hand in the database)
    Expert.objects.filter(pk=expert.pk).update(region="旧地区", title_level="none")
    terms.approve_renewal(renewal, actor=people["approver"], now=at(2029, 1, 10))
    assert Expert.objects.get(pk=expert.pk).status == Expert.Status.ACTIVE
    assert_in_step(expert)
    assert reasons(draw_for(gd, regions=["广州市"], min_title_level="deputy_senior",
                            engagement_start=date(2029, 3, 1), engagement_end=date(2029, 3, 1)), expert) == "pool"


def test_sync_profile_copies_sets_extra_columns_in_the_same_update(xx):
    expert = expert_in(xx)
    with CaptureQueriesContext(connection) as ctx:
        assert sync_profile_copies(expert.profile, public_title="教授") == 1
    assert len(ctx.captured_queries) == 1
    assert Expert.objects.get(pk=expert.pk).public_title == "教授"


def test_seed_scale_bulk_inserts_carry_the_copies(xx):
    create_experts(6, bodies=("xx-random",))
    scaled = list(Expert.objects.filter(body=xx, user__email__startswith="scale-expert-"))
    assert len(scaled) == 6
    assert_in_step(*scaled)
    assert all(e.region and employer_keys(e) == {normalize(e.profile.employer)} for e in scaled)


def test_the_demo_pools_are_in_step(demo):
    from experts import demo as experts_demo

    experts_demo.seed_experts_demo()
    experts_demo.seed_lifecycle_demo()
    members = list(Expert.objects.all())
    assert members
    assert_in_step(*members)


def test_the_migration_fills_the_employer_keys_of_existing_profiles(xx):
    from django.apps import apps

    experts = [expert_in(xx), expert_in(xx)]
    profile = experts[0].profile
    profile.recent_employers = ["某老单位", "另一 单位"]
    profile.save()
    before = [employer_keys(e) for e in experts]
    assert before[0] == {normalize(profile.employer), "某老单位", "另一单位"}
    EmployerKey.objects.all().delete()  # as before the migration
    migration = importlib.import_module("experts.migrations.0009_pool_index")
    migration.fill_employer_keys(apps, None)
    assert [employer_keys(e) for e in experts] == before


@pytest.mark.parametrize("algorithm", ["quorum-draw-v2", "quorum-draw-v3"])
@pytest.mark.parametrize("seed", range(5))
def test_the_pool_hash_from_id_strings_is_the_canonical_one(seed, algorithm):
    rng = random.Random(seed)
    ids = sorted(rng.sample(range(1, 10**6), 300))
    pool = ids[:rng.randrange(0, 50)]
    codes = rng.sample(["employer", "booked", "condition:fields", "rotation", "relation", "名单"], rng.randrange(0, 5))
    by_reason = {c: sorted(rng.sample(ids[50:], rng.randrange(1, 40))) for c in codes}
    conditions = {"fields": ["材料"], "needed": 3, "regions": ["新县", "深圳市"], "needs_by_field": {}, "x": None}
    members = 300 + rng.randrange(0, 10**5)
    expected = fairness.canonical_pool(17, "xx-random", pool, by_reason, conditions, algorithm, members)
    text = fairness.canonical_pool_text(17, "xx-random", ",".join(map(str, pool)),
                                        {c: ",".join(map(str, v)) for c, v in by_reason.items()}, conditions,
                                        algorithm, members)
    assert text == expected
