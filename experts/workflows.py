"""State machines of the expert pool, as data (see portal.workflows.Flow)."""
from portal.workflows import OWNER, SYSTEM, Flow

from .models import Application

S = Application.Status

APPLICATION_FLOW = Flow(S, {
    # the applicant
    (S.DRAFT, S.SUBMITTED): OWNER,
    (S.RETURNED, S.SUBMITTED): OWNER,
    (S.DRAFT, S.WITHDRAWN): OWNER,
    (S.SUBMITTED, S.WITHDRAWN): OWNER,
    (S.RETURNED, S.WITHDRAWN): OWNER,
    (S.VERIFIED, S.WITHDRAWN): OWNER,
    (S.FORWARDED, S.WITHDRAWN): OWNER,
    # the secretariat vets
    (S.SUBMITTED, S.VERIFIED): "manage_experts",
    (S.SUBMITTED, S.RETURNED): "manage_experts",
    (S.VERIFIED, S.RETURNED): "manage_experts",
    (S.SUBMITTED, S.REJECTED): "manage_experts",
    (S.VERIFIED, S.REJECTED): "manage_experts",
    (S.SUBMITTED, S.FORWARDED): "manage_experts",
    (S.VERIFIED, S.FORWARDED): "manage_experts",
    # the approver (board / bureau) decides
    (S.FORWARDED, S.APPROVED): "approve",
    (S.FORWARDED, S.REJECTED): "approve",
    (S.FORWARDED, S.SUBMITTED): "approve",       # sent back to the secretariat
    # public notice and admission
    (S.APPROVED, S.IN_NOTICE): "manage_experts",
    (S.APPROVED, S.ADMITTED): "manage_experts",  # bodies whose policy needs no notice
    (S.IN_NOTICE, S.ADMITTED): SYSTEM,           # the notice closed with no upheld objection
    (S.IN_NOTICE, S.STOPPED): "manage_experts",  # an objection was upheld
}, body=lambda a: a.body, owner=lambda a: a.applicant)

# Draws: staff prepare and freeze the pool; the supervisor's public entropy runs the draw;
# the system completes it or reports exhaustion; a designation needs an approver.
from .models import Draw, Invitation  # noqa: E402

D = Draw.Status

DRAW_FLOW = Flow(D, {
    (D.DRAFT, D.COMMITTED): "manage_experts",       # freeze the eligible pool, publish the commitment
    (D.COMMITTED, D.INVITING): "supervise",         # the supervisor enters the public entropy: draw runs
    (D.INVITING, D.COMPLETE): SYSTEM,
    (D.INVITING, D.EXHAUSTED): SYSTEM,
    (D.COMPLETE, D.INVITING): SYSTEM,               # a late decline or conflict reopens the panel
    (D.DRAFT, D.CANCELLED): "manage_experts",
    (D.COMMITTED, D.CANCELLED): "manage_experts",
    (D.DRAFT, D.PENDING_APPROVAL): "manage_experts",  # designation (指定) with a stated reason
    (D.PENDING_APPROVAL, D.INVITING): "approve",
    (D.PENDING_APPROVAL, D.REJECTED): "approve",
}, body=lambda d: d.body)

I = Invitation.Status

INVITATION_FLOW = Flow(I, {
    (I.INVITED, I.ACCEPTED): OWNER,
    (I.INVITED, I.DECLINED): OWNER,
    (I.INVITED, I.CONFLICT): OWNER,
    (I.ACCEPTED, I.CONFLICT): OWNER,     # a conflict found after accepting
    (I.ACCEPTED, I.DECLINED): OWNER,     # cannot come after all (late cancellation, recorded)
    (I.INVITED, I.EXPIRED): SYSTEM,      # no answer by the reply deadline
    (I.INVITED, I.CANCELLED): "manage_experts",
    (I.ACCEPTED, I.CANCELLED): "manage_experts",
}, body=lambda i: i.draw.body, owner=lambda i: i.expert.user)

# ---------------------------------------------------------------------------
# Exit (出库): a trigger, a reported violation or staff open a proposal that the secretariat
# verifies (the expert may respond), the approver decides, the secretariat sends the written
# notice and publishes the exit announcement. A voluntary exit is confirmed by the secretariat.
from .models import ExitCase, Renewal  # noqa: E402

X = ExitCase.Status

EXIT_FLOW = Flow(X, {
    (X.PROPOSED, X.VERIFYING): "manage_experts",   # staff start verifying; the expert is told
    (X.PROPOSED, X.KEPT): "approve",               # the approver finds no ground at once
    (X.VERIFYING, X.DECIDED): "approve",           # decided: the expert leaves the pool
    (X.VERIFYING, X.KEPT): "approve",              # decided: the expert stays (the trigger is resolved)
    (X.REQUESTED, X.DECIDED): "manage_experts",    # a voluntary exit confirmed by the secretariat
    (X.REQUESTED, X.WITHDRAWN): OWNER,             # the expert withdraws the request
    (X.DECIDED, X.EXITED): "manage_experts",       # written notice sent, exit announcement published
}, body=lambda c: c.body, owner=lambda c: c.expert.user)

# Renewal (续聘): filed by the expert (or staff for them), vetted, approved, noticed unless the
# policy skips it, then renewed by the system when the notice period ended.
N = Renewal.Status

RENEWAL_FLOW = Flow(N, {
    (N.SUBMITTED, N.FORWARDED): "manage_experts",
    (N.SUBMITTED, N.REJECTED): "manage_experts",
    (N.SUBMITTED, N.WITHDRAWN): OWNER,
    (N.FORWARDED, N.WITHDRAWN): OWNER,
    (N.FORWARDED, N.APPROVED): "approve",
    (N.FORWARDED, N.REJECTED): "approve",
    (N.APPROVED, N.IN_NOTICE): "manage_experts",
    (N.APPROVED, N.RENEWED): "approve",            # bodies whose policy lets renewals skip the notice
    (N.IN_NOTICE, N.RENEWED): SYSTEM,              # the renewal notice period ended
}, body=lambda r: r.body, owner=lambda r: r.expert.user)
