"""A small, explicit state machine: transitions as data, each naming what it needs —
a Body permission codename, OWNER (the object's owner, e.g. the applicant) or SYSTEM
(only services acting for the system, with actor=None: the beat tasks).

    FLOW = Flow(Model.Status, {(FROM, TO): "perm", ...}, body=lambda o: o.body, owner=lambda o: o.user)
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .permissions import has

OWNER = "@owner"
SYSTEM = "@system"


class InvalidTransition(ValidationError):
    pass


class Flow:
    def __init__(self, states, transitions, *, body, owner=None, field="status"):
        self.states = states
        self.transitions = dict(transitions)
        self.body_of = body
        self.owner_of = owner
        self.field = field
        for (a, b), need in self.transitions.items():
            if a not in states.values or b not in states.values:
                raise ValueError(f"unknown state in transition {a!r} -> {b!r}")
            if need == OWNER and owner is None:
                raise ValueError("OWNER transitions need an owner accessor")

    def _allowed(self, need, obj, actor):
        if actor is None:  # the system (beat tasks, commands) may make any listed move
            return True
        if need == SYSTEM:
            return False
        if need == OWNER:
            return getattr(actor, "pk", None) is not None and actor.pk == getattr(self.owner_of(obj), "pk", None)
        return has(actor, need, self.body_of(obj))

    def check(self, obj, *, to, actor):
        """Raise InvalidTransition if the move is not in the table, PermissionDenied if the
        actor may not make it. `actor=None` means the system."""
        current = getattr(obj, self.field)
        need = self.transitions.get((current, to))
        if need is None:
            raise InvalidTransition(
                _("不能从“%(a)s”变更为“%(b)s”。") % {"a": self.states(current).label, "b": self.states(to).label})
        if not self._allowed(need, obj, actor):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return need

    def can(self, obj, *, to, actor):
        try:
            self.check(obj, to=to, actor=actor)
        except (InvalidTransition, PermissionDenied):
            return False
        return True

    def allowed_targets(self, obj, actor):
        current = getattr(obj, self.field)
        return [b for (a, b), need in self.transitions.items()
                if a == current and actor is not None and self._allowed(need, obj, actor)]

    def rows(self):
        return [(self.states(a).label, self.states(b).label, need) for (a, b), need in self.transitions.items()]
