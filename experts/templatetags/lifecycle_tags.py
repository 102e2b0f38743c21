"""Template helpers of the exit/renewal pages."""
from django import template

from portal.permissions import has

register = template.Library()


@register.simple_tag
def holds(user, perm, body):
    """{% holds request.user "manage_experts" body as can_manage %}: a body permission check."""
    return has(user, perm, body)
