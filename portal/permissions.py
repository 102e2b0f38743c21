"""Object permissions on Body (django-guardian). One helper for services, one mixin for views."""
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from .models import Body


def full_codename(perm):
    return perm if "." in perm else f"portal.{perm}"


def has(user, perm, body):
    """Does `user` hold `perm` on `body`? Site admins (superusers) hold every permission."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.has_perm(full_codename(perm), body)


def require(user, perm, body):
    if not has(user, perm, body):
        raise PermissionDenied(_("您没有在“%(body)s”执行此操作的权限。") % {"body": body})


def bodies_for(user, perm):
    """Bodies in which the user holds `perm` (one query)."""
    if not getattr(user, "is_authenticated", False):
        return Body.objects.none()
    if user.is_superuser:
        return Body.objects.filter(is_active=True)
    return get_objects_for_user(user, full_codename(perm), klass=Body, accept_global_perms=False).filter(
        is_active=True)


def users_with(perm, body):
    """Active users holding `perm` on `body` (by role, not as superusers), in a stable order:
    who is told when something in the body needs them."""
    codename = full_codename(perm).split(".", 1)[1]
    return list(get_users_with_perms(body, only_with_perms_in=[codename]).filter(is_active=True).order_by("pk"))


class BodyPermissionMixin(AccessMixin):
    """Resolve `self.body` from the URL's `key` and require `body_permission` on it.
    Anonymous users go to the login page; users without the permission get 403."""

    body_permission = None

    def dispatch(self, request, *args, **kwargs):
        self.body = get_object_or_404(Body, key=kwargs["key"], is_active=True)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has(request.user, self.body_permission, self.body):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["body"] = self.body
        return ctx


class SiteAdminRequiredMixin(AccessMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
