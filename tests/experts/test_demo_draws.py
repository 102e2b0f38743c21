"""The demo draws: a completed draw with one auto-replacement in gd-quality and in
xx-random, each verifiable from its record; gd-quality's past engagement is evaluated;
seeding twice changes nothing."""
import pytest

from experts.demo_draws import DECLINE_REASON, NEEDED, PLANS, seed_draws_demo
from experts.draws.fairness import verify_record
from experts.draws.record import build_record
from experts.models import Draw, Invitation

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.experts.test_invitations")]

I = Invitation.Status


@pytest.fixture
def seeded(demo):
    seed_draws_demo()
    return {key: Draw.objects.get(body__key=key, title=plan["title"]) for key, plan in PLANS.items()}


@pytest.mark.parametrize("key", ["gd-quality", "xx-random"])
def test_each_demo_draw_is_complete_with_one_auto_replacement(seeded, key):
    draw = seeded[key]
    invitations = list(draw.invitations.order_by("rank"))
    assert draw.status == Draw.Status.COMPLETE
    assert [i.status for i in invitations] == [I.DECLINED, I.ACCEPTED, I.ACCEPTED]
    assert [i.rank for i in invitations] == [1, 2, 3]
    assert invitations[0].reason == DECLINE_REASON and invitations[0].reply_channel == "link"
    assert [p["outcome"] for p in draw.picks if p["expert"] == invitations[0].expert_id] == ["invited", "declined"]
    assert draw.entropy_by.email == "supervisor@demo.quorum.cn"


@pytest.mark.parametrize("key", ["gd-quality", "xx-random"])
def test_each_demo_draw_verifies_from_its_record(seeded, key):
    draw = seeded[key]
    result = verify_record(build_record(draw))
    assert result.ok, result.problem
    accepted = set(draw.invitations.filter(status=I.ACCEPTED).values_list("expert_id", flat=True))
    assert set(result.selected_ids) == accepted and len(accepted) == NEEDED


def test_the_past_gd_quality_engagement_has_attendance_and_ratings(seeded):
    panel = list(seeded["gd-quality"].invitations.filter(status=I.ACCEPTED).order_by("rank"))
    assert [(i.attendance, i.rating) for i in panel] == [("present", "excellent"), ("present", "fair")]
    assert all(i.scores and i.rated_by for i in panel)
    assert not seeded["xx-random"].invitations.exclude(rating="").exists()


def test_seeding_the_demo_draws_twice_changes_nothing(seeded):
    counts = (Draw.objects.count(), Invitation.objects.count())
    assert seed_draws_demo() == {}
    assert (Draw.objects.count(), Invitation.objects.count()) == counts
