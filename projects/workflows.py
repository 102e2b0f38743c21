"""State machines of innovation-base projects, as data (see portal.workflows.Flow).
OWNER is any account of the applying unit (Organisation.members)."""
from portal.workflows import OWNER, SYSTEM, Flow

from .models import Adjustment, JoinRequest, Project

S = Project.Status


def _owner(project):
    """The acting account when the service found it belongs to the applying unit (see
    services.project_common.as_owner); None otherwise, so OWNER moves are refused."""
    return getattr(project, "_flow_owner", None)


PROJECT_FLOW = Flow(S, {
    # the applying unit
    (S.DRAFT, S.SUBMITTED): OWNER,
    (S.RETURNED, S.SUBMITTED): OWNER,
    # the base office reviews
    (S.SUBMITTED, S.RETURNED): "manage_projects",
    (S.SUBMITTED, S.REJECTED): "manage_projects",
    (S.SUBMITTED, S.IN_NOTICE): "manage_projects",         # approved, published at once
    (S.SUBMITTED, S.AWAITING_COUNCIL): "manage_projects",  # approved by the office, council must decide
    (S.AWAITING_COUNCIL, S.IN_NOTICE): SYSTEM,             # the council motion passed
    (S.AWAITING_COUNCIL, S.REJECTED): SYSTEM,              # the council motion failed
    (S.IN_NOTICE, S.IN_PROGRESS): SYSTEM,                  # the notice ended with no upheld objection
    (S.IN_NOTICE, S.STOPPED): "manage_projects",           # an objection was upheld
    # implementation
    (S.IN_PROGRESS, S.TERMINATION_PENDING): OWNER,
    (S.TERMINATION_PENDING, S.TERMINATED): "approve",
    (S.TERMINATION_PENDING, S.IN_PROGRESS): "approve",
    (S.IN_PROGRESS, S.CLOSING): OWNER,
    (S.REVISION, S.CLOSING): OWNER,
    (S.CLOSING, S.CLOSED): "manage_projects",
    (S.CLOSING, S.REVISION): "manage_projects",
    (S.CLOSING, S.FAILED): "manage_projects",
    # archive
    (S.CLOSED, S.ARCHIVED): "manage_projects",
    (S.FAILED, S.ARCHIVED): "manage_projects",
    (S.TERMINATED, S.ARCHIVED): "manage_projects",
    (S.REJECTED, S.ARCHIVED): "manage_projects",
    (S.STOPPED, S.ARCHIVED): "manage_projects",
}, body=lambda p: p.body, owner=lambda p: _owner(p))

J = JoinRequest.Status

JOIN_FLOW = Flow(J, {
    (J.PENDING, J.ACCEPTED): OWNER,
    (J.PENDING, J.DECLINED): OWNER,
    (J.ACCEPTED, J.CONFIRMED): "manage_projects",
    (J.ACCEPTED, J.REFUSED): "manage_projects",
}, body=lambda j: j.project.body, owner=lambda j: _owner(j.project))

A = Adjustment.Status

ADJUSTMENT_FLOW = Flow(A, {
    (A.PENDING, A.APPROVED): "approve",
    (A.PENDING, A.REJECTED): "approve",
}, body=lambda a: a.project.body)
