from .meetings import AgendaItem, Attendance, Meeting, Minutes, Petition, PetitionSignature
from .membership import Council, MemberUnit, Seat, UnitApplication
from .votes import Ballot, Candidate, Motion, Resolution

__all__ = [
    "AgendaItem", "Attendance", "Ballot", "Candidate", "Council", "Meeting", "MemberUnit", "Minutes", "Motion",
    "Petition", "PetitionSignature", "Resolution", "Seat", "UnitApplication",
]
