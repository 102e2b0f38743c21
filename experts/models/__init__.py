from .draws import Booking, Draw, ExitTrigger, Invitation
from .applications import Application, Attachment, Call, UnitVerification
from .notices import Notice, NoticeEntry, Objection
from .activity import (AssessmentRound, AssessmentRow, ChangeReport, PriorReport, Proposal, ProposalAuthor,
                       ProposalReminder, TrainingEnrolment, TrainingSession)
from .lifecycle import ExitCase, ExitReason, Renewal, TermReminder
from .pool import (EligibilityRule, EmployerKey, Expert, ExpertField, ExpertProfile, PoolEntry, PoolSettings, PoolSize,
                   Sequence)

__all__ = [
    "AssessmentRound", "AssessmentRow", "ChangeReport", "PriorReport", "Proposal", "ProposalAuthor", "ProposalReminder",
    "TrainingEnrolment", "TrainingSession",
    "Application", "Attachment", "Booking", "Call", "Draw", "ExitTrigger", "Invitation", "EligibilityRule", "EmployerKey", "Expert", "ExpertField", "ExpertProfile", "Notice",
    "NoticeEntry", "Objection", "PoolEntry", "PoolSettings", "PoolSize", "Sequence", "UnitVerification",
    "ExitCase", "ExitReason", "Renewal", "TermReminder",
]
