"""Forms of the comment rounds. They validate input; projects.services.comments changes state."""
import re

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from portal.models import User

from .models import Comment
from .services.comments import LIMITS, MAX_WORKDAYS

D = Comment.Disposition


class _Crispy:
    def _helper(self):
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class InviteeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user.name} <{user.email}>"


def parse_email_lines(text):
    """Lines "email" or "email, 单位名称" (comma, tab, or space) → [(email, unit)]; every bad
    line is reported by number."""
    out, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = re.split(r"[,，;；\t ]+", line, maxsplit=1)
        email, unit = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_g("第 %(row)s 行：“%(value)s”不是有效的电子邮箱。") % {"row": number, "value": email})
            continue
        out.append((email.lower(), unit[:200]))
    if errors:
        raise ValidationError(errors)
    return out


class _InviteesMixin:
    def _invitee_fields(self, invitees):
        self.fields["users"].queryset = invitees
        if not invitees:
            self.fields["users"].help_text = _("本机构暂无成员单位账号，可在下方按电子邮箱邀请。")

    def clean_emails(self):
        return parse_email_lines(self.cleaned_data.get("emails", ""))


EMAILS_HELP = _("每行一个：电子邮箱，可在逗号后写单位名称，例如 “office@unit.cn, 江西省某某研究院”。"
                "尚未注册的单位用该邮箱注册登录后即可提出意见。")


class OpenRoundForm(_Crispy, _InviteesMixin, forms.Form):
    title = forms.CharField(label=_("文件名称"), max_length=200,
                            help_text=_("例如：国家技术标准创新基地（江西绿色生态）管理办法（征求意见稿）"))
    number = forms.CharField(label=_("文号（选填）"), max_length=60, required=False)
    description = forms.CharField(label=_("说明（选填）"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    draft = forms.FileField(label=_("征求意见稿"), help_text=_("PDF 或 Word（.docx）文件，一份。"))
    workdays_count = forms.IntegerField(
        label=_("征求意见期限（工作日）"), min_value=1, max_value=MAX_WORKDAYS, initial=10,
        help_text=_("从发布之日起计算，截止于最后一个工作日 24:00（北京时间）。"),
        error_messages={"min_value": _("期限至少为 1 个工作日。"),
                        "max_value": _("期限不能超过 %(limit_value)s 个工作日。")})
    is_public = forms.BooleanField(label=_("同时向社会公开征求意见"), required=False)
    users = InviteeChoiceField(label=_("邀请成员单位"), queryset=User.objects.none(), required=False,
                               widget=forms.CheckboxSelectMultiple)
    emails = forms.CharField(label=_("按电子邮箱邀请（选填）"), required=False, max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 3}), help_text=EMAILS_HELP)

    def __init__(self, *args, invitees, **kwargs):
        super().__init__(*args, **kwargs)
        self._invitee_fields(invitees)
        self._helper()

    def clean(self):
        data = super().clean()
        if not data.get("users") and not data.get("emails") and not data.get("is_public") and not self.errors:
            raise ValidationError(_("请邀请至少一个单位或个人，或向社会公开征求意见。"))
        return data


class InviteForm(_Crispy, _InviteesMixin, forms.Form):
    users = InviteeChoiceField(label=_("邀请成员单位"), queryset=User.objects.none(), required=False,
                               widget=forms.CheckboxSelectMultiple)
    emails = forms.CharField(label=_("按电子邮箱邀请"), required=False, max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 3}), help_text=EMAILS_HELP)

    def __init__(self, *args, invitees, **kwargs):
        super().__init__(*args, **kwargs)
        self._invitee_fields(invitees)
        self._helper()

    def clean(self):
        data = super().clean()
        if not data.get("users") and not data.get("emails") and not self.errors:
            raise ValidationError(_("请选择或填写要邀请的单位或个人。"))
        return data


def _comment_fields():
    return {
        "clause": forms.CharField(label=_("章条编号"), max_length=LIMITS["clause"], required=False,
                                  help_text=_("例如“第十条（四）”；对全文的意见可不填。")),
        "content": forms.CharField(label=_("意见内容"), max_length=LIMITS["content"],
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   error_messages={"required": _("请填写意见内容。")}),
        "proposed_change": forms.CharField(label=_("修改建议（选填）"), max_length=LIMITS["proposed_change"],
                                           required=False, widget=forms.Textarea(attrs={"rows": 2})),
        "reason": forms.CharField(label=_("理由（选填）"), max_length=LIMITS["reason"], required=False,
                                  widget=forms.Textarea(attrs={"rows": 2})),
    }


class CommentForm(_Crispy, forms.Form):
    """One row of the summary form. `with_from` adds 提出人/单位 (on a new comment)."""

    def __init__(self, *args, with_from=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_from:
            self.fields["name"] = forms.CharField(label=_("提出人"), max_length=100)
            self.fields["unit"] = forms.CharField(label=_("提出单位"), max_length=200, required=False)
        self.fields.update(_comment_fields())
        self._helper()


class PublicCommentForm(_Crispy, forms.Form):
    name = forms.CharField(label=_("提出人姓名"), max_length=100, error_messages={"required": _("请填写提出人姓名。")})
    unit = forms.CharField(label=_("工作单位（选填）"), max_length=200, required=False)
    contact = forms.CharField(label=_("联系电话或电子邮箱"), max_length=100,
                              help_text=_("仅工作人员可见，不会公开。"),
                              error_messages={"required": _("请填写联系方式（不公开）。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_comment_fields())
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self._helper()


class UploadForm(_Crispy, forms.Form):
    file = forms.FileField(label=_("填好的意见汇总表（.xlsx）"),
                           help_text=_("请使用本页提供的模板；任一行有误时整个文件都不会保存。"))
    name = forms.CharField(label=_("提出人"), max_length=100)
    unit = forms.CharField(label=_("提出单位"), max_length=200, required=False,
                           help_text=_("表中“提出人/单位”一栏为空的行使用此单位。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class DisposeForm(_Crispy, forms.Form):
    disposition = forms.ChoiceField(label=_("处理结果"), widget=forms.RadioSelect,
                                    choices=[(D.ADOPTED, D.ADOPTED.label), (D.PARTLY, D.PARTLY.label),
                                             (D.REJECTED, D.REJECTED.label)],
                                    error_messages={"required": _("请选择处理结果。")})
    reason = forms.CharField(label=_("处理意见说明"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("“部分采纳”和“未采纳”须说明理由。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    def clean(self):
        data = super().clean()
        if data.get("disposition") in (D.PARTLY, D.REJECTED) and not (data.get("reason") or "").strip():
            self.add_error("reason", _("“%(d)s”须说明理由。") % {"d": D(data["disposition"]).label})
        return data


class CommentFilterForm(forms.Form):
    disposition = forms.ChoiceField(label=_("处理结果"), required=False,
                                    choices=[("", _("全部"))] + list(D.choices))
