"""Forms of the exit process, renewals and enrolment windows (validation only; services act)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ExitCase, ExitReason, Renewal
from ..selectors.exits import STATUS_ALL, STATUS_OPEN
from ..validators import sniff_upload

TEXT = forms.Textarea(attrs={"rows": 4})


class ExitFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        (STATUS_OPEN, _("办理中")), *ExitCase.Status.choices, (STATUS_ALL, _("全部"))])


class RenewalFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        (STATUS_OPEN, _("办理中")), *Renewal.Status.choices, (STATUS_ALL, _("全部"))])


def reason_field(body, *, voluntary=None, label=_("出库情形")):
    qs = ExitReason.objects.filter(body=body, is_active=True).order_by("order", "pk")
    if voluntary is not None:
        qs = qs.filter(is_voluntary=voluntary)
    return forms.ModelChoiceField(label=label, queryset=qs, empty_label=_("请选择"),
                                  error_messages={"required": _("请选择出库情形。")})


class ViolationForm(forms.Form):
    summary = forms.CharField(label=_("违规情况"), widget=TEXT, max_length=4000,
                              error_messages={"required": _("请填写违规情况。")})
    evidence = forms.FileField(label=_("证明材料"), required=False, validators=[sniff_upload],
                               help_text=_("PDF 或图片，可选。"))

    def __init__(self, *args, body, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"reason": reason_field(body, voluntary=False), **self.fields}


class FindingsForm(forms.Form):
    findings = forms.CharField(label=_("核实情况"), widget=TEXT, max_length=4000,
                               error_messages={"required": _("请填写核实情况。")})


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), widget=forms.RadioSelect, choices=[
        ("exit", _("出库")), ("keep", _("保留"))], error_messages={"required": _("请选择决定。")})
    decision_reason = forms.CharField(label=_("决定理由"), widget=TEXT, max_length=4000,
                                      error_messages={"required": _("请填写决定理由。")})

    def __init__(self, *args, body, keep_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if keep_only:  # before verification the approver may only dismiss the proposal
            self.fields["decision"].choices = [("keep", _("保留（不启动出库程序）"))]
            self.fields["decision"].initial = "keep"
            return
        self.fields["reason"] = reason_field(body)
        self.fields["reason"].required = False
        self.fields["reason"].help_text = _("决定出库时必选。")

    def clean(self):
        data = super().clean()
        if data.get("decision") == "exit" and not data.get("reason"):
            self.add_error("reason", _("决定出库时请选择出库情形。"))
        return data


class ConfirmForm(forms.Form):
    decision_reason = forms.CharField(label=_("确认意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                      max_length=4000)


class StatementForm(forms.Form):
    statement = forms.CharField(label=_("退出理由"), widget=TEXT, max_length=4000,
                                error_messages={"required": _("请填写退出理由。")})


class ResponseForm(forms.Form):
    response = forms.CharField(label=_("陈述意见"), widget=TEXT, max_length=4000,
                               error_messages={"required": _("请填写陈述意见。")})


class RenewalForm(forms.Form):
    statement = forms.CharField(label=_("续聘说明"), widget=TEXT, max_length=4000, required=False,
                                help_text=_("可简述本聘期内参加的工作，及工作单位、职称的变化。"))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予续聘的理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
                             error_messages={"required": _("请填写理由。")})


class WindowForm(forms.Form):
    title = forms.CharField(label=_("征集公告标题"), max_length=200)
    opens_at = forms.DateTimeField(label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    closes_at = forms.DateTimeField(label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    text = forms.CharField(label=_("公告正文"), widget=TEXT, required=False, max_length=4000)
