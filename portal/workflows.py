"""A small, explicit state machine: transitions as data, each naming the Body permission
it needs. Apps declare `FLOW = Flow(Model.Status, {(FROM, TO): "perm", ...}, body=lambda o: o.body)`."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .permissions import has


class InvalidTransition(ValidationError):
    pass


class Flow:
    def __init__(self, states, transitions, *, body, field="status"):
        self.states = states
        self.transitions = dict(transitions)
        self.body_of = body
        self.field = field
        for (a, b) in self.transitions:
            if a not in states.values or b not in states.values:
                raise ValueError(f"unknown state in transition {a!r} -> {b!r}")

    def check(self, obj, *, to, actor):
        current = getattr(obj, self.field)
        perm = self.transitions.get((current, to))
        if perm is None:
            raise InvalidTransition(
                _("不能从“%(a)s”变更为“%(b)s”。") % {"a": self.states(current).label, "b": self.states(to).label})
        if actor is not None and not has(actor, perm, self.body_of(obj)):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return perm

    def allowed_targets(self, obj, actor):
        current = getattr(obj, self.field)
        body = self.body_of(obj)
        return [b for (a, b), perm in self.transitions.items() if a == current and has(actor, perm, body)]

    def rows(self):
        return [(self.states(a).label, self.states(b).label, perm) for (a, b), perm in self.transitions.items()]
