"""The council state machines as data: every state reachable, terminal states terminal, every
codename a real Body permission held by the secretariat, and a few small flows end to end."""
import pytest

from councils.models import Meeting, Motion, Petition
from councils.services import CouncilError
from councils.services import meetings
from councils.services import votes
from councils.workflows import (AGENDA_FLOW, CHAIR, CHAIR_OR_STAFF, CONVENER, MEETING_FLOW, MINUTES_FLOW,
                                MOTION_FLOW, PETITION_FLOW)
from portal.roles import ROLE_PERMISSIONS
from portal.workflows import OWNER, SYSTEM
from tests.councils.factories import at, build_council, make_meeting, mark_present

FLOWS = {
    "meeting": (MEETING_FLOW, "draft", {"closed", "cancelled"}),
    "agenda": (AGENDA_FLOW, None, {"accepted", "rejected"}),
    "petition": (PETITION_FLOW, "open", {"convened", "withdrawn"}),
    "motion": (MOTION_FLOW, "draft", {"closed", "cancelled"}),
    "minutes": (MINUTES_FLOW, "draft", {"distributed"}),
}
MARKERS = {OWNER, SYSTEM, CHAIR, CHAIR_OR_STAFF, CONVENER}


@pytest.mark.parametrize("name", FLOWS)
def test_every_state_reachable_and_terminal_states_terminal(name):
    flow, start, terminal = FLOWS[name]
    edges = flow.transitions
    if start is not None:
        seen, todo = {start}, [start]
        while todo:
            a = todo.pop()
            for (x, y) in edges:
                if x == a and y not in seen:
                    seen.add(y)
                    todo.append(y)
        assert seen == set(flow.states.values)
    for (a, _b) in edges:
        assert a not in terminal


@pytest.mark.parametrize("name", FLOWS)
def test_every_codename_is_held_by_the_secretariat(name):
    flow = FLOWS[name][0]
    secretariat = set(ROLE_PERMISSIONS["secretariat"])
    for need in flow.transitions.values():
        assert need in MARKERS or need in secretariat


@pytest.mark.django_db
def test_petition_withdrawn_only_by_its_starter(bodies):
    c = build_council(bodies["jx-base"], units=9)
    p = meetings.start_petition(c.council, actor=c.seats[3].representative, reason="临时会议")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        meetings.withdraw_petition(p, actor=c.seats[4].representative)
    p = meetings.withdraw_petition(p, actor=c.seats[3].representative)
    assert p.status == Petition.Status.WITHDRAWN
    with pytest.raises(CouncilError, match="已结束"):
        meetings.sign_petition(p, actor=c.seats[5].representative)


@pytest.mark.django_db
def test_tie_across_the_last_place_elects_neither(bodies):
    c = build_council(bodies["jm-storage"], people=12)
    m = make_meeting(c, starts_at=at(2026, 6, 1), status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.seats)
    a, b = c.seats[4].holder, c.seats[5].holder
    motion = votes.create_motion(c.council, actor=c.staff, title="选举秘书长", kind="election", meeting=m,
                                 candidates=[a, b], seats_to_fill=1, role_to_fill="secretary_general")
    motion = votes.open_motion(motion, actor=c.staff, now=at(2026, 6, 1, 10, 5))
    ca, cb = motion.candidates.order_by("pk")
    # 12 voters split 6 / 6 between two candidates for one place: neither reaches 8 (2/3 of 12)
    for i, s in enumerate(c.seats):
        votes.cast_ballot(motion, s, actor=s.holder, choices={ca.pk: "yes" if i % 2 else "no",
                                                               cb.pk: "no" if i % 2 else "yes"})
    motion = votes.close_motion(motion, actor=c.staff, now=at(2026, 6, 1, 11))
    assert motion.result == Motion.Result.FAILED
    assert [r["elected"] for r in motion.tally["candidates"]] == [False, False]


@pytest.mark.django_db
def test_tie_of_qualified_candidates_at_the_cutoff_elects_none_of_the_tied(bodies):
    # 9 voters, 2 places, each ballot says yes to at most 2: A, B and D get 6 each, all reach
    # 6 = 2/3 of 9; the tie spans the last place, so none is elected (a new round is needed)
    c = build_council(bodies["jm-storage"], people=9)
    m = make_meeting(c, starts_at=at(2026, 6, 1), status=Meeting.Status.IN_PROGRESS)
    mark_present(m, c.seats)
    motion = votes.create_motion(c.council, actor=c.staff, title="增选副主任", kind="election", meeting=m,
                                 candidates=[c.seats[i].holder for i in (4, 5, 6)], seats_to_fill=2,
                                 role_to_fill="vice_chair")
    motion = votes.open_motion(motion, actor=c.staff, now=at(2026, 6, 1, 10, 5))
    ca, cb, cd = motion.candidates.order_by("pk")
    patterns = [{ca.pk: "yes", cb.pk: "yes", cd.pk: "no"}, {ca.pk: "yes", cb.pk: "no", cd.pk: "yes"},
                {ca.pk: "no", cb.pk: "yes", cd.pk: "yes"}]
    for i, s in enumerate(c.seats):
        votes.cast_ballot(motion, s, actor=s.holder, choices=patterns[i % 3])
    motion = votes.close_motion(motion, actor=c.staff, now=at(2026, 6, 1, 11))
    assert [(r["yes"], r["ok"], r["elected"]) for r in motion.tally["candidates"]] == [(6, True, False)] * 3
    assert motion.result == Motion.Result.FAILED
