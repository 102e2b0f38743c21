"""Forms of the secretariat's vetting queue, the review page and the approver's list.
They clean input only; decisions are made by experts.services.vetting."""
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Application, ExpertField, UnitVerification
from ..models.pool import TitleLevel
from ..selectors import vetting as selectors
from ..services.vetting import SECTION_LABELS


class FieldChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * self.depths.get(obj.pk, 0)}{obj.name}"


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或工作单位"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False)
    field = FieldChoice(label=_("专业领域"), required=False, queryset=ExpertField.objects.none(),
                        empty_label=_("全部领域"),
                        help_text=_("选择上级领域时包含其下级领域。"))
    region = forms.ChoiceField(label=_("地区"), required=False)
    title_level = forms.ChoiceField(label=_("职称等级"), required=False,
                                    choices=[("", _("全部职称"))] + list(TitleLevel.choices))
    submitted_from = forms.DateField(label=_("提交日期自"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    submitted_to = forms.DateField(label=_("提交日期至"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, body, **kwargs):
        super().__init__(*args, **kwargs)
        tree = selectors.field_tree(body)
        self.fields["field"].queryset = ExpertField.objects.filter(body=body)
        self.fields["field"].depths = {f.pk: depth for f, depth in tree}
        # keep tree order in the widget without another query
        self.fields["field"].choices = [("", _("全部领域"))] + [
            (f.pk, self.fields["field"].label_from_instance(f)) for f, _depth in tree]
        self.fields["status"].choices = [
            ("", _("全部（不含草稿）")), (selectors.WAITING, _("待审核（已提交或单位已核实）")),
            *Application.Status.choices]
        self.fields["region"].choices = [("", _("全部地区"))] + [(r, r) for r in selectors.regions(body)]

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self):
        """Keyword arguments for selectors.vetting.queue (empty when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class UnitVerificationForm(forms.Form):
    unit_name = forms.CharField(label=_("核实单位"), max_length=200)
    verifier_name = forms.CharField(label=_("单位核实人"), max_length=100)
    method = forms.ChoiceField(label=_("核实方式"), choices=UnitVerification.Method.choices)
    letter = forms.FileField(label=_("单位函件"), required=False,
                             help_text=_("PDF、JPG 或 PNG；核实方式为单位书面函件时必须上传。"))
    notes = forms.CharField(label=_("核实情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, action="", **kwargs):
        super().__init__(*args, prefix="verify", **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.attrs = {"aria-label": _("登记单位核实")}
        self.helper.add_input(Submit("submit", _("登记单位核实"), css_class="btn-primary"))

    def clean(self):
        data = super().clean()
        if data.get("method") == UnitVerification.Method.LETTER and not data.get("letter"):
            self.add_error("letter", _("核实方式为单位书面函件时，请上传函件。"))
        return data


class ReturnForm(forms.Form):
    """One comment per section of the application form; at least one is needed."""

    def __init__(self, *args, action="", **kwargs):
        super().__init__(*args, prefix="return", **kwargs)
        for section in Application.SECTIONS:
            self.fields[section] = forms.CharField(
                label=SECTION_LABELS[section], required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}))
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.attrs = {"aria-label": _("退回修改")}
        self.helper.add_input(Submit("submit", _("退回申请人修改"), css_class="btn-warning"))

    def clean(self):
        data = super().clean()
        if not any((data.get(s) or "").strip() for s in Application.SECTIONS):
            raise forms.ValidationError(_("请至少对一个部分填写修改意见。"), code="no_comment")
        return data

    def comments(self):
        return {s: self.cleaned_data[s].strip() for s in Application.SECTIONS if self.cleaned_data.get(s, "").strip()}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, action="", prefix=None, submit_label=_("提交"), css_class="btn-danger",
                 reason_label=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        if reason_label:
            self.fields["reason"].label = reason_label
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.attrs = {"aria-label": str(submit_label)}
        self.helper.add_input(Submit("submit", submit_label, css_class=css_class))


class AgeExemptionForm(ReasonForm):
    reason = forms.CharField(label=_("豁免理由"), max_length=300,
                             help_text=_("写明豁免依据，如“中国工程院院士”“博士生导师”。"))


class BatchApproveForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("选择申请"), queryset=Application.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一份申请。"),
                        "invalid_choice": _("所选申请已不在待审批列表中，请刷新页面。"),
                        "invalid_pk_value": _("所选申请无效。")})

    def __init__(self, *args, body, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = Application.objects.filter(
            body=body, status=Application.Status.FORWARDED).select_related("profile", "body")
