"""The draw's pool from indexes: the candidate index PoolEntry and the member counts PoolSize
(PostgreSQL, kept by the triggers of migration 0009) stay equal to the memberships whatever
writes them — services, bulk inserts, queryset updates, deletes —; the nightly check finds and
repairs drift; the employer ground reads EmployerKey; and the pool read from the index is the
pool the member-by-member tests (member_reasons) give, on random pools and conditions."""
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from experts import tasks
from experts.draws import index
from experts.draws.pool import eligible_pool, member_reasons
from experts.models import Booking, EmployerKey, Expert, ExpertField, ExpertProfile, Invitation, PoolEntry, PoolSize
from experts.models.pool import normalize, sync_profile_copies
from experts.scale import create_experts
from tests.experts.test_draw_pool import DAY, NOW, field, gd, make_expert, new_draw, people, xx  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def entries(expert):
    return sorted(PoolEntry.objects.filter(expert_id=expert.pk).values_list("field__code", "title_level", "region"))


def size(body):
    row = PoolSize.objects.filter(body_id=body.pk).first()
    return row.active if row else 0


def in_step():
    found = index.drift()
    assert not found, found
    return True


def test_admission_fields_and_status_changes_keep_the_index_in_step(xx):
    materials, law = field(xx, "materials"), field(xx, "policy-law")
    before = size(xx)
    expert = make_expert(xx, fields=[materials], title_level="senior", region="信阳市")
    assert entries(expert) == [("materials", "senior", "信阳市")]
    assert size(xx) == before + 1 and in_step()

    expert.fields.add(law)
    assert entries(expert) == [("materials", "senior", "信阳市"), ("policy-law", "senior", "信阳市")]
    expert.fields.remove(materials)
    assert entries(expert) == [("policy-law", "senior", "信阳市")] and in_step()

    Expert.objects.filter(pk=expert.pk).update(status=Expert.Status.LAPSED)  # a queryset update, no save()
    assert entries(expert) == [] and size(xx) == before and in_step()
    expert.status = Expert.Status.ACTIVE
    expert.save()
    assert entries(expert) == [("policy-law", "senior", "信阳市")] and size(xx) == before + 1 and in_step()

    expert.fields.clear()
    assert entries(expert) == [] and size(xx) == before + 1 and in_step()


def test_a_profile_change_reaches_the_index_through_the_copies(xx):
    expert = make_expert(xx, fields=[field(xx, "materials")], title_level="deputy_senior", region="信阳市")
    profile = ExpertProfile.objects.get(pk=expert.profile_id)
    profile.title_level, profile.region = "senior", "深圳市"
    profile.save()
    assert entries(expert) == [("materials", "senior", "深圳市")] and in_step()


def test_an_update_that_changes_no_pool_column_does_not_write_the_index(xx):
    expert = make_expert(xx, fields=[field(xx, "materials")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM experts_poolsize WHERE body_id = %s", [xx.pk])
        version = cursor.fetchone()[0]
        Expert.objects.filter(pk=expert.pk).update(unanswered_streak=2, public_title="教授")
        sync_profile_copies(expert.profile)  # the same values again
        cursor.execute("SELECT xmin::text FROM experts_poolsize WHERE body_id = %s", [xx.pk])
        assert cursor.fetchone()[0] == version  # the body's count row was not locked nor rewritten
    assert in_step()


def test_deleting_a_field_or_a_membership_removes_its_entries(xx):
    extra = ExpertField.objects.create(body=xx, code="tmp-field", name_zh="临时领域")
    expert = make_expert(xx, fields=[extra, field(xx, "materials")])
    before = size(xx)
    extra.delete()
    assert [code for code, *_ in entries(expert)] == ["materials"] and in_step()
    Invitation.objects.filter(expert=expert).delete()
    expert.fields.clear()
    Expert.objects.filter(pk=expert.pk).delete()
    assert entries(expert) == [] and size(xx) == before - 1 and in_step()


def test_bulk_inserts_are_indexed_in_one_go(xx):
    before = size(xx)
    create_experts(40, bodies=("xx-random",))
    assert size(xx) == before + 40
    scaled = Expert.objects.filter(body=xx, user__email__startswith="scale-expert-")
    assert PoolEntry.objects.filter(expert_id__in=scaled.values("pk")).count() == \
        Expert.fields.through.objects.filter(expert_id__in=scaled.values("pk")).count() > 40
    assert in_step()


def test_the_check_finds_drift_and_the_rebuild_and_the_nightly_task_repair_it(xx, capsys):
    expert = make_expert(xx, fields=[field(xx, "materials")])
    call_command("pool_index", "--check")
    assert "in step" in capsys.readouterr().out
    # the index written behind the triggers' back (as a restore of some tables only could leave it)
    PoolEntry.objects.filter(expert_id=expert.pk).update(title_level="none")
    PoolSize.objects.filter(body_id=xx.pk).update(active=0)
    found = index.drift()
    assert (found.missing, found.extra) == (1, 1) and found.sizes[0][:2] == (xx.pk, 0)
    with pytest.raises(CommandError, match="1 missing, 1 extra"):
        call_command("pool_index", "--check")
    assert tasks.check_pool_index() == {"missing": 1, "extra": 1, "sizes": [list(found.sizes[0])]}
    assert in_step() and entries(expert) == [("materials", expert.title_level, expert.region)]
    assert tasks.check_pool_index() == {"missing": 0, "extra": 0, "sizes": []}  # idempotent
    PoolEntry.objects.all().delete()
    call_command("pool_index", "--rebuild")
    assert "rebuilt" in capsys.readouterr().out and in_step()


def test_employer_keys_follow_the_profile():
    profile = ExpertProfile.objects.get(pk=make_profile(employer="甲 单位", recent_employers=["乙单位"]).pk)
    keys = lambda: set(EmployerKey.objects.filter(profile=profile).values_list("key", flat=True))  # noqa: E731
    assert keys() == {"甲单位", "乙单位"}
    profile.employer, profile.recent_employers = "丙单位", ["甲单位", "乙单位"]
    profile.save(update_fields=["employer", "recent_employers"])
    assert keys() == {"丙单位", "甲单位", "乙单位"}
    profile.recent_employers = []
    profile.save()
    assert keys() == {"丙单位"}
    with CaptureQueriesContext(connection) as ctx:
        profile.save(update_fields=["phone"])  # not an employer: the keys are not touched
    assert not [q for q in ctx.captured_queries if "experts_employerkey" in q["sql"]]


def make_profile(**kw):
    from tests.experts.factories import ProfileFactory

    return ProfileFactory(**kw)


def test_eligible_pool_reads_the_index_in_two_statements(xx, people):
    make_expert(xx, fields=[field(xx, "materials")], title_level="senior")
    draw = new_draw(xx, people, fields=[field(xx, "industry-tech")], min_title_level="senior")
    conditions = {"fields": ["industry-tech"]}
    with CaptureQueriesContext(connection) as ctx:
        result = eligible_pool(draw, conditions=conditions)
    assert len(ctx.captured_queries) == 2  # the condition's field ids, the pool statement
    assert "experts_poolentry" in ctx.captured_queries[-1]["sql"]
    assert "experts_expert\"" not in ctx.captured_queries[-1]["sql"].split("experts_poolsize")[0]
    assert result.members == Expert.objects.filter(body=xx, status="active").count()


UNITS = ["新县恒达机械制造有限公司", "郑州市质量技术研究院", "信阳市某检测中心"]


@pytest.mark.parametrize("seed", range(6))
def test_the_pool_from_the_index_is_the_member_by_member_pool(xx, people, seed):
    """Random members (fields, titles, regions, employer types, current and recent employers,
    declarations, bookings) and random conditions and grounds: eligible_pool (from the index)
    equals what member_reasons says of every active member (from the member rows)."""
    rng = random.Random(seed)
    fields = list(ExpertField.objects.filter(body=xx))
    members, other = [], new_draw(xx, people, title="另一次检查（占用当日）")
    for n in range(40):
        unit = rng.choice(UNITS + ["某无关单位"] * 3)
        expert = make_expert(
            xx, fields=rng.sample(fields, rng.choice([0, 1, 2, 3])),
            status=rng.choice([Expert.Status.ACTIVE] * 5 + [Expert.Status.LAPSED, Expert.Status.EXITED]),
            title_level=rng.choice(["senior", "deputy_senior", "intermediate", "none"]),
            region=rng.choice(["信阳市", "深圳市", "郑州市"]), employer_type=rng.choice(["enterprise", "university"]),
            employer=unit, recent_employers=rng.sample(UNITS, rng.randrange(0, 2)),
            close_relations=rng.choice(["", "", f"配偶在{rng.choice(UNITS)}任职"]), name=f"成员{seed}-{n}")
        members.append(expert)
        if rng.random() < 0.15:  # engaged that day by another draw
            inv = Invitation.objects.create(draw=other, expert=expert, rank=n + 1, status=Invitation.Status.ACCEPTED,
                                            invited_at=NOW, reply_by=NOW + timedelta(days=1))
            Booking.objects.create(expert=expert, day=DAY, invitation=inv)
    seen = {}
    for _ in range(4):
        codes = rng.sample(["industry-tech"] + [f.code for f in fields], rng.randrange(1, 3))
        data = {"min_title_level": rng.choice(["", "", "deputy_senior"]),
                "regions": rng.sample(["信阳市", "深圳市", "郑州市"], rng.choice([0, 0, 2])),
                "employer_types": rng.sample(["enterprise", "university"], rng.choice([0, 0, 1])),
                "reviewed_unit": rng.choice(UNITS), "partner_units": rng.sample(UNITS, rng.randrange(0, 2)),
                "project_participants": [members[rng.randrange(40)].profile.name]}
        draw = new_draw(xx, people, fields=[f for f in fields if f.code in codes],
                        excluded=rng.sample(members, 2), **data)
        result = eligible_pool(draw)
        active = list(Expert.objects.filter(body=xx, status="active").values_list("pk", flat=True))
        said = member_reasons(draw, active)
        assert result.pool_ids == sorted(pk for pk in active if not said[pk])
        listed = {}
        for pk in active:
            if said[pk] and not any(c.startswith("condition:") for c in said[pk]):
                for code in said[pk]:
                    listed.setdefault(code, []).append(pk)
        assert result.by_reason == {code: sorted(ids) for code, ids in listed.items()}
        assert result.members == len(active)
        seen.update(result.by_reason)
        seen["pool"] = seen.get("pool", 0) + len(result.pool_ids)
    assert seen["pool"] and {"employer", "booked"} & set(seen)  # the case is not empty
    assert in_step()

