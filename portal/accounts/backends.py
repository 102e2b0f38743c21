"""Authentication backend: the login identifier is an e-mail or a mainland mobile."""
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.models.users import MOBILE_RE, normalize_mobile


def normalize_identifier(value):
    """Canonical form of a login identifier: a lower-cased e-mail, or an 11-digit mobile
    with spaces, dashes and +86/0086 removed. Anything else is returned stripped."""
    value = (value or "").strip()
    if "@" in value:
        return value.lower()
    mobile = normalize_mobile(value)
    if MOBILE_RE.match(mobile):
        return mobile
    return value


def find_user(identifier):
    """The user an identifier names, or None. One query at most."""
    UserModel = get_user_model()
    identifier = normalize_identifier(identifier)
    if not identifier:
        return None
    if "@" in identifier:
        lookup = {"email__iexact": identifier}
    elif MOBILE_RE.match(identifier):
        lookup = {"mobile": identifier}
    else:
        return None
    try:
        return UserModel._default_manager.get(**lookup)
    except (UserModel.DoesNotExist, UserModel.MultipleObjectsReturned):
        return None


class EmailOrMobileBackend(ModelBackend):
    """Authenticate with an e-mail (case-insensitive) or a mobile number plus password.

    Inactive users are refused. On a miss the password hasher still runs once, so the
    response time does not tell whether the identifier exists (as ModelBackend does).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        UserModel = get_user_model()
        if username is None:
            username = kwargs.get(UserModel.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Run the default password hasher once to reduce the timing difference
            # between an existing and a nonexistent user (Django #20760).
            UserModel().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    async def aauthenticate(self, request, username=None, password=None, **kwargs):
        return await sync_to_async(self.authenticate)(request, username=username, password=password, **kwargs)
