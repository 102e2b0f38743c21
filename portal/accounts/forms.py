"""Account forms: validate and clean input only; the views call services to save."""
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models.users import normalize_mobile, validate_mobile

from .backends import normalize_identifier

LANGUAGE_CHOICES = [("zh-hans", "简体中文"), ("en", "English")]


def _language_choices():
    field = get_user_model()._meta.get_field("preferred_language")
    return list(field.choices) or LANGUAGE_CHOICES


def _mobile_field(required=False):
    return forms.CharField(
        label=_("手机号码"),
        required=required,
        max_length=20,  # room for "+86 138-0013-8000" before normalising
        help_text=_("中国大陆 11 位手机号，可用于登录。"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


def _clean_mobile(value, exclude_pk=None):
    mobile = normalize_mobile(value)
    if not mobile:
        return None
    validate_mobile(mobile)
    others = get_user_model().objects.filter(mobile=mobile)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(_("该手机号已被其他账号使用。"), code="duplicate_mobile")
    return mobile


class LoginForm(AuthenticationForm):
    """The field stays named `username` (django-axes reads it); it takes an e-mail or a
    mobile number, normalised before authenticate() so axes counts one identifier."""

    error_messages = {
        "invalid_login": _("邮箱/手机号或密码不正确。请注意密码区分大小写。"),
        "inactive": _("该账号已停用，请联系秘书处。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("邮箱或手机号")
        username.max_length = 254
        username.error_messages["required"] = _("请输入邮箱或手机号。")
        username.widget.attrs.update({
            "autocomplete": "username", "autocapitalize": "none", "spellcheck": "false",
            "maxlength": "254", "autofocus": True,
        })
        password = self.fields["password"]
        password.label = _("密码")
        password.error_messages["required"] = _("请输入密码。")
        password.widget.attrs.update({"autocomplete": "current-password"})

    def clean_username(self):
        return normalize_identifier(self.cleaned_data.get("username"))


class RegistrationForm(SetPasswordMixin, forms.Form):
    error_messages = {"password_mismatch": _("两次输入的密码不一致。")}

    name = forms.CharField(
        label=_("姓名"), max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("电子邮箱"), max_length=254,
        help_text=_("用于登录和接收通知，注册后需点击邮件中的链接确认。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}),
    )
    mobile = _mobile_field()
    password1, password2 = SetPasswordMixin.create_password_fields(label1=_("密码"), label2=_("确认密码"))
    preferred_language = forms.ChoiceField(label=_("界面语言"), choices=_language_choices, initial="zh-hans")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password2"].help_text = _("请再次输入相同的密码。")
        self.fields["name"].error_messages["required"] = _("请填写姓名。")
        self.fields["email"].error_messages.update({
            "required": _("请填写电子邮箱。"), "invalid": _("请输入有效的电子邮箱地址。"),
        })
        self.fields["password1"].error_messages["required"] = _("请设置密码。")
        self.fields["password2"].error_messages["required"] = _("请再次输入密码。")

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(_("该邮箱已注册。如果是您本人，请直接登录或找回密码。"), code="duplicate_email")
        return email

    def clean_mobile(self):
        return _clean_mobile(self.cleaned_data.get("mobile"))

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        # Validate against an unsaved user so the similarity check sees name and e-mail.
        probe = get_user_model()(email=cleaned.get("email") or "", name=cleaned.get("name") or "")
        self.validate_password_for_user(probe)
        return cleaned


class ProfileForm(forms.Form):
    email = forms.EmailField(
        label=_("电子邮箱"), required=False, disabled=True,
        help_text=_("邮箱是登录账号，如需更改请联系秘书处。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "readonly": True}),
    )
    name = forms.CharField(label=_("姓名"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mobile = _mobile_field()
    preferred_language = forms.ChoiceField(label=_("界面语言"), choices=_language_choices)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        kwargs.setdefault("initial", {
            "email": user.email, "name": user.name, "mobile": user.mobile or "",
            "preferred_language": user.preferred_language,
        })
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("请填写姓名。")

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_mobile(self):
        return _clean_mobile(self.cleaned_data.get("mobile"), exclude_pk=self.user.pk)
