"""The expert's dashboard: memberships and terms, engagements and ratings, proposals this
quarter, change reports, required actions with deadlines — in constant queries."""
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from experts.models import Invitation
from experts.selectors import stats
from experts.services import changes, proposals
from tests.experts.lifecycle_helpers import at, expert_in, invite, make_draw, pdf, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def jm(pools):
    return pools["jm-storage"]


def test_the_dashboard_lists_actions_by_deadline(jm, pools):
    expert = expert_in(jm, term_end=date(2026, 12, 20))
    xx_membership = expert_in(pools["xx-random"])
    sec = staff_of(pools["xx-random"])
    inv = invite(make_draw(pools["xx-random"], operator=sec), xx_membership, reply_by=at(2026, 11, 27, 12),
                 invited_at=at(2026, 11, 26, 12))
    data = stats.dashboard(expert.user, now=at(2026, 11, 26, 13))
    assert [a["kind"] for a in data["actions"]] == ["term", "proposal"]  # the invitation belongs to someone else
    assert data["actions"][0]["due"] == date(2026, 12, 20) and data["actions"][1]["due"] == date(2026, 12, 31)
    other = stats.dashboard(xx_membership.user, now=at(2026, 11, 26, 13))
    assert [a["kind"] for a in other["actions"]] == ["invitation"] and other["open_invitations"] == [inv]


def test_a_proposal_this_quarter_clears_the_action(jm):
    expert = expert_in(jm)
    proposals.submit_proposal(expert, actor=expert.user, title="t", text="x", now=at(2026, 11, 2))
    data = stats.dashboard(expert.user, now=at(2026, 11, 26))
    assert data["rows"][0]["proposals"] == 1 and data["actions"] == []


def test_engagements_and_ratings_are_counted(jm):
    sec = staff_of(jm)
    expert = expert_in(jm)
    for rating in ("excellent", "poor", ""):
        inv = invite(make_draw(jm, operator=sec), expert, status=Invitation.Status.ACCEPTED)
        Invitation.objects.filter(pk=inv.pk).update(rating=rating)
    row = stats.dashboard(expert.user, now=at(2026, 11, 26))["rows"][0]
    assert (row["engagements"], row["excellent"], row["fair"], row["poor"]) == (3, 1, 0, 1)
    assert row["days_left"] == (date(2028, 12, 31) - date(2026, 11, 26)).days


@time_machine.travel(at(2026, 11, 26, 10), tick=False)
def test_the_page_in_constant_queries(client, jm, pools, django_assert_max_num_queries):
    expert = expert_in(jm)
    client.force_login(expert.user)
    url = reverse("experts:self-dashboard")
    with django_assert_max_num_queries(16):
        first = client.get(url)
    for body in ("gd-quality", "xx-random"):
        other = expert_in(pools[body])
        other.user = expert.user
        other.profile = expert.profile
        other.save(update_fields=["user", "profile"])
    changes.file_change(expert, actor=expert.user, kind="position", new_value="副院长",
                        effective_date=date(2026, 11, 20), proof=pdf())
    with django_assert_max_num_queries(16):
        second = client.get(url)
    html = second.content.decode()
    assert first.status_code == second.status_code == 200
    assert html.count('data-testid="membership-card"') == 3
    assert "副院长" in html and "本季度建议" in html


def test_the_tasks_page_lists_waiting_change_reports_for_staff(client, pools):
    xx = pools["xx-random"]
    sec, expert = staff_of(xx), expert_in(xx)
    changes.file_change(expert, actor=expert.user, kind="position", new_value="副院长",
                        effective_date=timezone_today(), proof=pdf())
    client.force_login(sec)
    assert "1 份信息变更报告待确认" in client.get(reverse("my-tasks")).content.decode()


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()


def test_the_demo_seeds_activity_once(demo):
    from experts.demo import seed_activity_demo
    from experts.models import ChangeReport, PriorReport, Proposal, TrainingEnrolment

    assert Proposal.objects.filter(title__startswith="（演示）").count() == 1
    assert Proposal.objects.get().authors.count() == 2
    assert ChangeReport.objects.filter(status="filed").count() == 1
    assert PriorReport.objects.filter(status="filed").count() == 1
    assert TrainingEnrolment.objects.count() == 1
    assert seed_activity_demo() == {}
    assert Proposal.objects.count() == 1
