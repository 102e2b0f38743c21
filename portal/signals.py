"""Signal receivers of the portal shell."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation


@receiver(user_logged_in)
def apply_preferred_language(sender, request, user, **kwargs):
    """After login, switch the session to the user's preferred language (cookie set by the view)."""
    if getattr(user, "preferred_language", None):
        translation.activate(user.preferred_language)
        request._quorum_language = user.preferred_language
