"""Shared pieces of the council views: access mixins (the body's permissions or a seat in one
of its councils), seat lookups for the current user, and one-button actions."""
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect

from portal.permissions import has

from ..models import Seat

# who may read a council's pages (members, the secretariat, supervisors, approvers, staff)
VIEW_PERMISSIONS = ("take_part", "manage_council", "supervise", "approve", "view_staff_area")
PAGE_SIZE = 20


def error_message(request, exc):
    """A service's refusal as a page message (for one-button actions)."""
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(exc) or "403")


def run_action(request, action, *, success, back):
    """A one-button action: call the service; a refusal becomes a page message, else `success`;
    then back to the page the button was on."""
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        error_message(request, exc)
    else:
        messages.success(request, success)
    return redirect(back)


def my_seats(user, council):
    """The active seats `user` may act for in `council` (holder, representative or substitute)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Seat.objects.filter(council=council, status=Seat.Status.ACTIVE)
                .filter(Q(holder=user) | Q(representative=user) | Q(substitute=user))
                .select_related("unit", "holder"))


def is_chair(user, council):
    """Holds (in person or as a unit's representative) an active chair seat of the council."""
    from ..workflows import holds_chair

    return holds_chair(user, council)


class CouncilObjectMixin(AccessMixin):
    """Resolve the URL's object (`model` by `pk`), its council and body; anonymous users go to the
    login page; users without any of `permissions` on the body and without a seat in the council
    get 403. `manage_only` views need manage_council."""

    model = None
    permissions = VIEW_PERMISSIONS
    manage_only = False
    select_related = ()

    def get_object(self, pk):
        qs = self.model.objects.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return get_object_or_404(qs, pk=pk)

    def council_of(self, obj):
        return obj.council

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object(kwargs["pk"])
        self.council = self.council_of(self.object)
        self.body = self.council.body
        user = request.user
        self.can_manage = has(user, "manage_council", self.body)
        self.seats = my_seats(user, self.council)
        if self.manage_only:
            if not self.can_manage:
                raise PermissionDenied
        elif not self.seats and not any(has(user, p, self.body) for p in self.permissions):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({"body": self.body, "council": self.council, "can_manage": self.can_manage,
                    "my_seats": self.seats})
        return ctx


def back(request, url):
    return redirect(url)
