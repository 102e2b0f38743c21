"""Accounts: login by e-mail or mobile, axes lockout, registration with e-mail
confirmation, password reset, profile, logout."""
import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portal.accounts import services
from portal.accounts.backends import EmailOrMobileBackend
from portal.models import AuditEvent, RoleAssignment, User
from tests.factories import BodyFactory

PASSWORD = "Quorum-Pa55-word!"
LOGIN = "/login/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # the registration throttle lives in the cache
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    return User.objects.create_user(
        "Alice@Example.cn", PASSWORD, name="李爱丽", mobile="13800138000", preferred_language="en",
        email_verified=True,
    )


def registration_data(**overrides):
    data = {
        "name": "王小明", "email": "xiaoming@example.cn", "mobile": "", "password1": PASSWORD,
        "password2": PASSWORD, "preferred_language": "zh-hans",
    }
    data.update(overrides)
    return data


def link_in(message):
    return re.search(r"https?://\S+", message.body).group(0)


# --- URLs -------------------------------------------------------------------------

def test_login_and_logout_have_global_names():
    assert reverse("login") == LOGIN
    assert reverse("logout") == "/logout/"
    assert reverse("accounts:confirm-email", args=["abc"]) == "/accounts/confirm/abc/"


# --- login --------------------------------------------------------------------------

def test_login_by_email_is_case_insensitive_and_sets_language_cookie(client, alice, settings):
    response = client.post(LOGIN, {"username": "  ALICE@example.CN ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session[SESSION_KEY] == str(alice.pk)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_login_by_mobile_with_prefix_spaces_and_dashes(client, alice):
    response = client.post(LOGIN, {"username": "+86 138-0013-8000", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_login_page_is_labelled_and_links_to_register_and_reset(client, db):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "邮箱或手机号" in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert reverse("accounts:register") in html
    assert reverse("accounts:password-reset") in html


def test_wrong_password_shows_form_error_and_creates_no_session(client, alice):
    response = client.post(LOGIN, {"username": "alice@example.cn", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["邮箱/手机号或密码不正确。请注意密码区分大小写。"]
    assert SESSION_KEY not in client.session


def test_inactive_user_is_refused(client, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    response = client.post(LOGIN, {"username": "alice@example.cn", "password": PASSWORD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_backend_runs_the_hasher_on_an_unknown_identifier(db, monkeypatch):
    calls = []
    original = User.set_password
    monkeypatch.setattr(User, "set_password", lambda self, raw: calls.append(raw) or original(self, raw))
    assert EmailOrMobileBackend().authenticate(None, username="nobody@example.cn", password="x") is None
    assert calls == ["x"]


def test_lockout_after_five_failures_refuses_even_the_right_password(client, alice, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = [
        client.post(LOGIN, {"username": "alice@example.cn", "password": f"wrong-{i}"}).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # axes 8 answers 429 on the locking attempt

    response = client.post(LOGIN, {"username": "alice@example.cn", "password": PASSWORD})
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "登录已暂时锁定" in response.content.decode()
    assert "30 分钟" in response.content.decode()  # AXES_COOLOFF_TIME = 0.5 h
    assert SESSION_KEY not in client.session


def test_lockout_counts_one_identifier_however_it_is_typed(client, alice):
    for typed in ["13800138000", "+86 138 0013 8000", "138-0013-8000", "008613800138000", "+8613800138000"]:
        client.post(LOGIN, {"username": typed, "password": "wrong"})
    response = client.post(LOGIN, {"username": "13800138000", "password": PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


# --- registration and e-mail confirmation -------------------------------------------

def test_registration_sends_one_email_whose_link_confirms_the_address(
    client, db, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://quorum.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), registration_data(mobile="+86 139 0000 1111"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:register-done")
    user = User.objects.get(email="xiaoming@example.cn")
    assert (user.name, user.mobile, user.is_active, user.email_verified) == ("王小明", "13900001111", True, False)
    assert user.check_password(PASSWORD)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["xiaoming@example.cn"]
    link = link_in(mailoutbox[0])
    assert link.startswith("https://quorum.example.cn/accounts/confirm/")
    register_event = AuditEvent.objects.get(action="account.register")
    assert register_event.target_id == str(user.pk)
    assert PASSWORD not in str(register_event.data)

    done = client.get(reverse("accounts:register-done"))
    assert "xiaoming@example.cn" in done.content.decode()

    response = client.get(link.removeprefix("https://quorum.example.cn"))
    assert response.status_code == 200
    assert "已确认" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified is True
    assert AuditEvent.objects.filter(action="account.confirm_email", target_id=str(user.pk)).count() == 1


def test_confirming_twice_is_idempotent(db):
    user = services.register(name="张三", email="zhang@example.cn", password=PASSWORD)
    token = services.make_confirmation_token(user)
    assert services.confirm_email(token).email_verified is True
    assert services.confirm_email(token).email_verified is True
    assert AuditEvent.objects.filter(action="account.confirm_email").count() == 1


def test_tampered_token_gives_clear_message_and_changes_nothing(client, db):
    user = services.register(name="张三", email="zhang@example.cn", password=PASSWORD)
    token = services.make_confirmation_token(user)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(reverse("accounts:confirm-email", args=[tampered]))
    assert response.status_code == 400
    assert "确认链接无效" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified is False
    assert not AuditEvent.objects.filter(action="account.confirm_email").exists()


def test_expired_token_gives_clear_message_and_changes_nothing(client, db):
    now = timezone.now()
    user = services.register(name="张三", email="zhang@example.cn", password=PASSWORD)
    old_token = services.make_confirmation_token(user, now=now - datetime.timedelta(days=3, seconds=1))
    response = client.get(reverse("accounts:confirm-email", args=[old_token]))
    assert response.status_code == 400
    assert "确认链接已过期" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified is False
    assert not AuditEvent.objects.filter(action="account.confirm_email").exists()


def test_token_is_valid_until_three_days(db):
    now = timezone.now()
    user = services.register(name="张三", email="zhang@example.cn", password=PASSWORD, now=now)
    token = services.make_confirmation_token(user, now=now)
    with pytest.raises(services.ExpiredConfirmationToken):
        services.confirm_email(token, now=now + datetime.timedelta(days=3, seconds=1))
    assert services.confirm_email(token, now=now + datetime.timedelta(days=3)).email_verified is True


def test_token_for_a_changed_address_is_refused(db):
    user = services.register(name="张三", email="zhang@example.cn", password=PASSWORD)
    token = services.make_confirmation_token(user)
    User.objects.filter(pk=user.pk).update(email="other@example.cn")
    with pytest.raises(services.InvalidConfirmationToken):
        services.confirm_email(token)


def test_duplicate_email_is_a_field_error_and_creates_no_user(client, alice, mailoutbox):
    response = client.post(reverse("accounts:register"), registration_data(email="ALICE@example.cn"))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["该邮箱已注册。如果是您本人，请直接登录或找回密码。"]
    assert User.objects.count() == 1
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="account.register").exists()


def test_duplicate_mobile_is_a_field_error(client, alice):
    response = client.post(reverse("accounts:register"), registration_data(mobile="138 0013 8000"))
    assert response.context["form"].errors["mobile"] == ["该手机号已被其他账号使用。"]
    assert User.objects.count() == 1


def test_register_service_refuses_duplicate_email(alice):
    with pytest.raises(services.ValidationError) as exc:
        services.register(name="x", email="alice@EXAMPLE.cn", password=PASSWORD)
    assert "email" in exc.value.error_dict


def test_registration_applies_django_password_validators(client, db):
    response = client.post(reverse("accounts:register"), registration_data(password1="12345678", password2="12345678"))
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    mismatch = client.post(reverse("accounts:register"), registration_data(password2=PASSWORD + "x"))
    assert mismatch.context["form"].errors["password2"] == ["两次输入的密码不一致。"]
    assert not User.objects.exists()


def test_registration_is_rate_limited_to_ten_per_ip_per_hour(client, db):
    for i in range(10):
        client.post(reverse("accounts:register"), registration_data(email=f"u{i}@example.cn"))
    assert User.objects.count() == 10
    response = client.post(reverse("accounts:register"), registration_data(email="u10@example.cn"))
    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == ["操作过于频繁，请稍后再试"]
    assert User.objects.count() == 10


def test_resend_confirmation_is_post_only_and_sends_a_new_link(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    user = services.register(name="张三", email="zhang@example.cn", password=PASSWORD)
    client.force_login(user)
    url = reverse("accounts:resend-confirmation")
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/confirm/" in link_in(mailoutbox[0])


def test_resend_confirmation_requires_login(client, db):
    response = client.post(reverse("accounts:resend-confirmation"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# --- password reset and change -----------------------------------------------------

def test_password_reset_end_to_end(client, alice, mailoutbox, settings):
    settings.SITE_URL = "https://quorum.example.cn"
    response = client.post(reverse("accounts:password-reset"), {"email": "ALICE@example.cn"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.cn"]
    link = link_in(mailoutbox[0])
    assert link.startswith("https://quorum.example.cn/accounts/reset/")

    response = client.get(link.removeprefix("https://quorum.example.cn"))
    assert response.status_code == 302  # Django swaps the token for "set-password"
    set_password_url = response.url
    response = client.get(set_password_url)
    assert response.context["validlink"] is True
    new_password = "Brand-New-Pa55!"
    response = client.post(set_password_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-complete")

    response = client.post(LOGIN, {"username": "13800138000", "password": new_password})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(client, db, mailoutbox):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.cn"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert mailoutbox == []


def test_password_change(client, alice):
    client.force_login(alice)
    new_password = "Another-Pa55-word!"
    response = client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password,
    })
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-change-done")
    alice.refresh_from_db()
    assert alice.check_password(new_password)


# --- profile --------------------------------------------------------------------------

def test_profile_shows_roles_per_body(client, alice):
    body = BodyFactory(name_zh="质量专家委员会")
    RoleAssignment.objects.create(user=alice, body=body, role="secretariat")
    client.force_login(alice)
    response = client.get(reverse("accounts:profile"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "alice@example.cn" in html
    assert body.name in html
    assert RoleAssignment(role="secretariat").get_role_display() in html


def test_profile_edit_changes_name_and_audits_before_after(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:profile"), {
        "name": "李爱莉", "mobile": "13800138000", "preferred_language": "en",
        "email": "evil@example.cn",  # disabled field: ignored
    })
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.name, alice.email) == ("李爱莉", "alice@example.cn")
    event = AuditEvent.objects.get(action="account.update_profile")
    assert event.data == {"before": {"name": "李爱丽"}, "after": {"name": "李爱莉"}}
    assert event.actor_id == alice.pk


def test_profile_mobile_taken_by_someone_else_is_a_field_error(client, alice):
    User.objects.create_user("bob@example.cn", PASSWORD, name="Bob", mobile="13900001111")
    client.force_login(alice)
    response = client.post(reverse("accounts:profile"), {
        "name": alice.name, "mobile": "139-0000-1111", "preferred_language": "en",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"] == ["该手机号已被其他账号使用。"]
    assert not AuditEvent.objects.filter(action="account.update_profile").exists()


def test_profile_requires_login(client, db):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_update_profile_refuses_other_fields(alice):
    with pytest.raises(TypeError):
        services.update_profile(alice, actor=alice, is_staff=True)


# --- logout --------------------------------------------------------------------------

def test_logout_is_post_only(client, alice):
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    assert SESSION_KEY in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
