"""State machines of councils, as data (see portal.workflows.Flow).

Besides Body permission codenames, OWNER and SYSTEM, council transitions may name
CHAIR (the actor holds an active chair seat of the council), CONVENER (the actor is the
meeting's convener) or CHAIR_OR_STAFF (a chair seat, or `manage_council` on the body).
"""
from portal.permissions import has
from portal.workflows import OWNER, SYSTEM, Flow

from .models import AgendaItem, Meeting, Minutes, Motion, Petition, Seat

CHAIR = "@chair"
CONVENER = "@convener"
CHAIR_OR_STAFF = "@chair_or_staff"


def holds_chair(user, council):
    """Does `user` hold (in person or as a unit's representative) an active chair seat of `council`?"""
    if not getattr(user, "is_authenticated", False):
        return False
    from django.db.models import Q

    return Seat.objects.filter(council=council, role=Seat.Role.CHAIR, status=Seat.Status.ACTIVE).filter(
        Q(holder=user) | Q(representative=user)).exists()


class CouncilFlow(Flow):
    def __init__(self, states, transitions, *, council, convener=None, **kwargs):
        self.council_of = council
        self.convener_of = convener
        super().__init__(states, transitions, body=lambda o: council(o).body, **kwargs)

    def _allowed(self, need, obj, actor):
        if actor is None:
            return need != CONVENER
        if need == CHAIR:
            return holds_chair(actor, self.council_of(obj))
        if need == CHAIR_OR_STAFF:
            return has(actor, "manage_council", self.body_of(obj)) or holds_chair(actor, self.council_of(obj))
        if need == CONVENER:
            return getattr(actor, "pk", None) is not None and actor.pk == self.convener_of(obj).pk
        return super()._allowed(need, obj, actor)


M = Meeting.Status

MEETING_FLOW = CouncilFlow(M, {
    (M.DRAFT, M.NOTIFIED): "manage_council",          # notice to every seat holder; agenda window computed
    (M.NOTIFIED, M.IN_PROGRESS): CHAIR_OR_STAFF,      # the meeting opens
    (M.IN_PROGRESS, M.CLOSED): CHAIR_OR_STAFF,
    (M.DRAFT, M.CANCELLED): "manage_council",
    (M.NOTIFIED, M.CANCELLED): "manage_council",
}, council=lambda m: m.council)

A = AgendaItem.Status

AGENDA_FLOW = CouncilFlow(A, {
    (A.PROPOSED, A.ACCEPTED): "manage_council",
    (A.PROPOSED, A.REJECTED): "manage_council",
    (A.PENDING_CHAIR, A.ACCEPTED): CHAIR,             # a late item needs the chair's approval
    (A.PENDING_CHAIR, A.REJECTED): CHAIR,
}, council=lambda i: i.meeting.council)

P = Petition.Status

PETITION_FLOW = CouncilFlow(P, {
    (P.OPEN, P.REACHED): SYSTEM,                      # enough member units signed
    (P.REACHED, P.CONVENED): "manage_council",        # the ad-hoc meeting is created
    (P.OPEN, P.WITHDRAWN): OWNER,
}, council=lambda p: p.council, owner=lambda p: p.created_by)

V = Motion.Status

MOTION_FLOW = CouncilFlow(V, {
    (V.DRAFT, V.OPEN): CHAIR_OR_STAFF,                # at a quorate meeting; roster and rule frozen
    (V.DRAFT, V.PENDING_CHAIR): "manage_council",     # a written vote asks for the chair's approval
    (V.PENDING_CHAIR, V.OPEN): CHAIR,                 # the chair approves the written vote
    (V.PENDING_CHAIR, V.CANCELLED): CHAIR_OR_STAFF,
    (V.OPEN, V.CLOSED): CHAIR_OR_STAFF,               # written votes: the beat task at the deadline
    (V.DRAFT, V.CANCELLED): "manage_council",
}, council=lambda m: m.council)

N = Minutes.Status

MINUTES_FLOW = CouncilFlow(N, {
    (N.DRAFT, N.REVIEW): "manage_council",
    (N.REVIEW, N.DRAFT): "manage_council",            # back for corrections
    (N.REVIEW, N.SIGNED): CONVENER,                   # the convener's signature locks the minutes
    (N.SIGNED, N.DISTRIBUTED): "manage_council",
}, council=lambda n: n.meeting.council, convener=lambda n: n.meeting.convener)

__all__ = ["AGENDA_FLOW", "CHAIR", "CHAIR_OR_STAFF", "CONVENER", "MEETING_FLOW", "MINUTES_FLOW", "MOTION_FLOW",
           "PETITION_FLOW", "SYSTEM", "holds_chair"]
