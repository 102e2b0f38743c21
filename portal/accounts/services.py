"""Account state changes: register, confirm the e-mail address, update the profile.

Views, commands and tests call these; none of them reads a request.
"""
import datetime
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy as _

from portal import audit
from portal.models.users import normalize_mobile, validate_mobile

CONFIRM_SALT = "quorum.email-confirm"
CONFIRM_MAX_AGE = datetime.timedelta(days=3)
PROFILE_FIELDS = ("name", "mobile", "preferred_language")


class InvalidConfirmationToken(ValidationError):
    """The e-mail confirmation link is malformed, tampered with, or for another address."""

    def __init__(self, message=None, code="invalid_token"):
        super().__init__(message or _("确认链接无效。请检查链接是否完整，或登录后重新发送确认邮件。"), code=code)


class ExpiredConfirmationToken(InvalidConfirmationToken):
    """The e-mail confirmation link is genuine but older than CONFIRM_MAX_AGE."""

    def __init__(self):
        super().__init__(_("确认链接已过期（有效期 3 天）。请登录后重新发送确认邮件。"), code="expired_token")


class _ConfirmSigner(signing.TimestampSigner):
    """TimestampSigner whose clock can be injected (services take `now`)."""

    def __init__(self, now=None):
        super().__init__(salt=CONFIRM_SALT)
        self._now = now

    def _clock(self):
        return self._now.timestamp() if self._now is not None else time.time()

    def timestamp(self):
        return signing.b62_encode(int(self._clock()))

    def unsign(self, value, max_age=None):
        result = signing.Signer.unsign(self, value)
        value, ts = result.rsplit(self.sep, 1)
        ts = signing.b62_decode(ts)
        if max_age is not None:
            if isinstance(max_age, datetime.timedelta):
                max_age = max_age.total_seconds()
            if int(self._clock()) - ts > max_age:
                raise signing.SignatureExpired("Signature age > %s seconds" % max_age)
        return value


def make_confirmation_token(user, *, now=None):
    """A signed token naming the user and the address being confirmed."""
    return _ConfirmSigner(now).sign_object({"u": user.pk, "e": user.email})


def confirmation_url(user, *, now=None):
    token = make_confirmation_token(user, now=now)
    return settings.SITE_URL.rstrip("/") + reverse("accounts:confirm-email", args=[token])


def _send_confirmation_now(user, url):
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {"user": user, "url": url, "max_age_days": CONFIRM_MAX_AGE.days, "site_url": settings.SITE_URL}
        subject = gettext("请确认您在 Quorum 的电子邮箱")
        body = render_to_string("registration/confirm_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)


def send_confirmation(user, *, now=None):
    """Send (or re-send) the confirmation e-mail once the current transaction commits.
    A no-op for an address that is already verified. Returns True when one is queued."""
    if user.email_verified:
        return False
    url = confirmation_url(user, now=now)
    transaction.on_commit(lambda: _send_confirmation_now(user, url))
    return True


def _check_unique(email=None, mobile=None, exclude_pk=None):
    User = get_user_model()
    errors = {}
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if email and others.filter(email__iexact=email).exists():
        errors["email"] = ValidationError(_("该邮箱已注册。如果是您本人，请直接登录或找回密码。"), code="duplicate_email")
    if mobile and others.filter(mobile=mobile).exists():
        errors["mobile"] = ValidationError(_("该手机号已被其他账号使用。"), code="duplicate_mobile")
    if errors:
        raise ValidationError(errors)


def register(*, name, email, password, mobile=None, preferred_language="zh-hans", now=None):
    """Create an active account whose e-mail is not yet verified and send the
    confirmation link. Raises ValidationError (per field) for a taken e-mail/mobile."""
    User = get_user_model()
    now = now or timezone.now()
    email = (email or "").strip().lower()
    mobile = normalize_mobile(mobile) or None
    if mobile:
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            raise ValidationError({"mobile": exc.error_list}) from exc
    try:
        with transaction.atomic():
            _check_unique(email=email, mobile=mobile)
            user = User.objects.create_user(
                email, password, name=name.strip(), mobile=mobile,
                preferred_language=preferred_language, email_verified=False, date_joined=now,
            )
            audit.record(user, "account.register", user, body=None, now=now, data={
                "email": user.email,
                "mobile": user.mobile or "",
                "preferred_language": user.preferred_language,
            })
            send_confirmation(user, now=now)
    except IntegrityError as exc:  # a concurrent registration won the race
        _check_unique(email=email, mobile=mobile)
        raise ValidationError(_("注册失败，请稍后再试。")) from exc
    return user


def confirm_email(token, *, now=None):
    """Mark the address in a valid token as verified. Idempotent: a second click on the
    same link returns the user unchanged (and writes no second audit event)."""
    User = get_user_model()
    signer = _ConfirmSigner(now)
    try:
        payload = signer.unsign_object(token, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ExpiredConfirmationToken() from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidConfirmationToken() from exc
    if not isinstance(payload, dict) or "u" not in payload or "e" not in payload:
        raise InvalidConfirmationToken()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload["u"]).first()
        if user is None or user.email.lower() != str(payload["e"]).lower():
            # The account is gone or its address changed since the link was sent.
            raise InvalidConfirmationToken()
        if user.email_verified:
            return user
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        audit.record(user, "account.confirm_email", user, body=None, now=now, data={"email": user.email})
    return user


def update_profile(user, *, actor, now=None, **fields):
    """Change the user's own profile fields (name, mobile, preferred_language).
    Audited with before/after of the fields that actually changed."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"update_profile() got unexpected fields: {', '.join(sorted(unknown))}")
    User = get_user_model()
    if "mobile" in fields:
        fields["mobile"] = normalize_mobile(fields["mobile"]) or None
        if fields["mobile"]:
            try:
                validate_mobile(fields["mobile"])
            except ValidationError as exc:
                raise ValidationError({"mobile": exc.error_list}) from exc
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": ValidationError(_("请填写姓名。"), code="required")})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before, after = audit.apply_changes(locked, fields)
        if not after:
            return locked
        if "mobile" in after:
            _check_unique(mobile=after["mobile"], exclude_pk=locked.pk)
        locked.save(update_fields=sorted(after))
        audit.record(actor, "account.update_profile", locked, body=None, now=now,
                     data={"before": before, "after": after})
    for field, value in after.items():
        setattr(user, field, value)
    return locked
