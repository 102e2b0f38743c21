"""Account views: authenticate, call a form and a service, render."""
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from . import services
from .forms import LoginForm, ProfileForm, RegistrationForm

REGISTRATION_LIMIT = 10  # registration attempts per IP …
REGISTRATION_WINDOW = 60 * 60  # … per hour (seconds)
RESEND_LIMIT = 5  # confirmation e-mails per user per hour


def _set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language,
        max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _over_limit(key, limit, window):
    """Count one hit in a fixed window; True once more than `limit` hits were counted."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        return _set_language_cookie(response, form.get_user().preferred_language)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET with 405)."""

    http_method_names = ["post", "options"]


class RegisterView(FormView):
    template_name = "registration/register.html"
    form_class = RegistrationForm
    success_url = reverse_lazy("accounts:register-done")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        ip = get_client_ip_address(request) or "unknown"
        if _over_limit(f"accounts:register:{ip}", REGISTRATION_LIMIT, REGISTRATION_WINDOW):
            form.is_valid()  # keep the entered values and field errors visible
            form.add_error(None, _("操作过于频繁，请稍后再试"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.register(
                name=data["name"], email=data["email"], password=data["password1"],
                mobile=data.get("mobile"), preferred_language=data["preferred_language"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        self.request.session["accounts:registered_email"] = user.email
        response = super().form_valid(form)
        return _set_language_cookie(response, user.preferred_language)


class RegisterDoneView(TemplateView):
    template_name = "registration/register_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["email"] = self.request.session.get("accounts:registered_email", "")
        return context


def confirm_email(request, token):
    try:
        user = services.confirm_email(token)
    except services.InvalidConfirmationToken as exc:
        return render(request, "registration/confirm_email_done.html",
                      {"error": exc.messages[0], "expired": exc.code == "expired_token"}, status=400)
    return render(request, "registration/confirm_email_done.html", {"confirmed_user": user})


@require_POST
@login_required
def resend_confirmation(request):
    user = request.user
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("accounts:profile")
    if user.email_verified:
        messages.info(request, _("您的邮箱已经验证，无需再次确认。"))
    elif _over_limit(f"accounts:resend:{user.pk}", RESEND_LIMIT, REGISTRATION_WINDOW):
        messages.error(request, _("操作过于频繁，请稍后再试"))
    else:
        services.send_confirmation(user)
        messages.success(request, _("确认邮件已发送至 %(email)s，请查收（3 天内有效）。") % {"email": user.email})
    return redirect(target)


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)
        if form.is_valid():
            fields = {k: form.cleaned_data[k] for k in ("name", "mobile", "preferred_language")}
            try:
                old_language = user.preferred_language
                services.update_profile(user, actor=user, **fields)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("个人资料已保存。"))
                response = redirect("accounts:profile")
                if user.preferred_language != old_language:
                    _set_language_cookie(response, user.preferred_language)
                return response
    else:
        form = ProfileForm(user=user)
    roles = user.role_assignments.select_related("body").order_by("body__order", "body__key", "role")
    return render(request, "accounts/profile.html", {"form": form, "roles": roles})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        # Build the link from SITE_URL, not the request's Host header (host poisoning).
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc or self.request.get_host(),
            use_https=(site.scheme == "https") if site.scheme else self.request.is_secure(),
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            html_email_template_name=self.html_email_template_name,
            extra_email_context={"site_name": "Quorum", **(self.extra_email_context or {})},
            request=self.request,
        )
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
