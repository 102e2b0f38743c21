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
