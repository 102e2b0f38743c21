from .applications import Application, Attachment, Call, UnitVerification
from .notices import Notice, NoticeEntry, Objection
from .pool import EligibilityRule, Expert, ExpertField, ExpertProfile, PoolSettings, Sequence

__all__ = [
    "Application", "Attachment", "Call", "EligibilityRule", "Expert", "ExpertField", "ExpertProfile", "Notice",
    "NoticeEntry", "Objection", "PoolSettings", "Sequence", "UnitVerification",
]
