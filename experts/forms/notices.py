"""Forms of public notices and objections. They validate input; services change state."""
import re

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ..models import Application, Objection
from ..services.objections import FACTS_MAX_LENGTH, FACTS_MIN_LENGTH, REASON_MAX_LENGTH, check_evidence

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")


class _CrispyMixin:
    def _helper(self):
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ApplicationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, app):
        profile = app.profile
        parts = [profile.name, profile.employer, profile.title, "、".join(f.name_zh for f in app.fields.all())]
        return " · ".join(p for p in parts if p)


class PublishNoticeForm(_CrispyMixin, forms.Form):
    applications = ApplicationChoiceField(
        label=_("拟入库人选"), queryset=Application.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一名拟入库人选。"),
                        "invalid_choice": _("所选申请不存在或已不是“已批准”状态。"),
                        "invalid_pk_value": _("所选申请无效。")})
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("正文"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("公示期、异议方式由系统按规则自动列出。"))

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = queryset
        self._helper()


class ObjectionForm(_CrispyMixin, forms.Form):
    entry = forms.ModelChoiceField(
        label=_("被异议人选"), queryset=None, empty_label=_("请选择"),
        error_messages={"required": _("请选择被异议的人选。"),
                        "invalid_choice": _("请选择本公示中的人选。")})
    name = forms.CharField(label=_("异议人姓名或单位名称"), max_length=100,
                           help_text=_("须为真实姓名或单位名称，仅工作人员可见，不会公开。"))
    contact = forms.CharField(label=_("联系电话或电子邮箱"), max_length=100,
                              help_text=_("用于核实情况和告知处理结果，不会公开。"))
    email = forms.EmailField(label=_("接收书面答复的电子邮箱（选填）"), required=False, max_length=254)
    facts = forms.CharField(label=_("异议事实和理由"), min_length=FACTS_MIN_LENGTH, max_length=FACTS_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("请写明具体事实，至少 %(n)s 个字。") % {"n": FACTS_MIN_LENGTH})
    evidence = forms.FileField(label=_("证明材料（选填）"), required=False,
                               help_text=_("PDF、JPG 或 PNG 文件，一份。"))
    consent = forms.BooleanField(
        label=_("我承诺所述情况属实，并同意工作人员为核实异议使用我的联系方式。"),
        error_messages={"required": _("请确认承诺后再提交。")})

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries
        self.fields["entry"].label_from_instance = lambda e: " · ".join(
            p for p in (e.public_name, e.public_employer) if p)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self._helper()
        self.helper.form_tag = False

    def clean_name(self):
        value = self.cleaned_data["name"].strip()
        if not value:
            raise ValidationError(_("请填写异议人姓名或单位名称。"))
        return value

    def clean_contact(self):
        value = self.cleaned_data["contact"].strip()
        if PHONE_RE.match(value):
            return value
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("请填写有效的电话号码或电子邮箱。")) from None
        return value

    def clean_facts(self):
        value = self.cleaned_data["facts"].strip()
        if len(value) < FACTS_MIN_LENGTH:
            raise ValidationError(_("异议事实和理由至少 %(n)s 个字。") % {"n": FACTS_MIN_LENGTH})
        return value

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            check_evidence(upload)
        return upload


class ReasonForm(_CrispyMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self._helper()


class DecideObjectionForm(_CrispyMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理结论"), widget=forms.RadioSelect,
        choices=[(Objection.Status.UPHELD, _("异议成立（终止该人选入库）")),
                 (Objection.Status.DISMISSED, _("异议不成立"))],
        error_messages={"required": _("请选择处理结论。")})
    reason = forms.CharField(label=_("处理结论和理由"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    @property
    def upheld(self):
        return self.cleaned_data["outcome"] == Objection.Status.UPHELD


class NoticeFilterForm(forms.Form):
    body = forms.ChoiceField(label=_("机构"), required=False)

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", _("全部机构"))] + [(b.key, b.name) for b in bodies]


class ObjectionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(Objection.Status.choices))
    overdue = forms.BooleanField(label=_("只看已超期"), required=False)
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("回执编号、人选或异议人")}))
