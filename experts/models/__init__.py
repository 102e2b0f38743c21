from .draws import Booking, Draw, ExitTrigger, Invitation
from .applications import Application, Attachment, Call, UnitVerification
from .notices import Notice, NoticeEntry, Objection
from .activity import (AssessmentRound, AssessmentRow, ChangeReport, PriorReport, Proposal, ProposalAuthor,
                       ProposalReminder, TrainingEnrolment, TrainingSession)
from .lifecycle import ExitCase, ExitReason, Renewal, TermReminder
from .pool import EligibilityRule, Expert, ExpertField, ExpertProfile, PoolSettings, Sequence

__all__ = [
    "AssessmentRound", "AssessmentRow", "ChangeReport", "PriorReport", "Proposal", "ProposalAuthor", "ProposalReminder",
    "TrainingEnrolment", "TrainingSession",
    "Application", "Attachment", "Booking", "Call", "Draw", "ExitTrigger", "Invitation", "EligibilityRule", "Expert", "ExpertField", "ExpertProfile", "Notice",
    "NoticeEntry", "Objection", "PoolSettings", "Sequence", "UnitVerification",
    "ExitCase", "ExitReason", "Renewal", "TermReminder",
]
