from .audit import AuditChain, AuditEvent
from .bodies import Body, Policy
from .calendar import CalendarDay
from .notifications import Delivery, Notification
from .roles import Role, RoleAssignment
from .users import User

__all__ = [
    "AuditChain", "AuditEvent", "Body", "CalendarDay", "Delivery", "Notification", "Policy",
    "Role", "RoleAssignment", "User",
]
