"""Forms of the expert's self-service and the staff activity pages. They clean input only;
the services decide (experts.services.{changes,proposals,reports,training,assessment})."""
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AssessmentRow, ChangeReport, Expert, PriorReport
from ..models.pool import TitleLevel

DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}


class ContactForm(forms.Form):
    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    email = forms.EmailField(label=_("电子邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    address = forms.CharField(label=_("通讯地址"), max_length=300, required=False)

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip().replace(" ", "")
        if not value.isdigit() or len(value) != 11 or not value.startswith("1"):
            raise forms.ValidationError(_("请输入 11 位手机号码。"))
        return value


class ChangeReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("变更事项"), choices=[("", "—")] + list(ChangeReport.Kind.choices))
    new_value = forms.CharField(label=_("变更后的内容"), max_length=200,
                                help_text=_("如新的工作单位全称、职务或职称名称。"))
    new_title_level = forms.ChoiceField(label=_("变更后的职称等级"), required=False,
                                        choices=[("", _("（职称变更时选择）"))] + list(TitleLevel.choices))
    effective_date = forms.DateField(label=_("变更生效日期"), widget=forms.DateInput(attrs=DATE))
    proof = forms.FileField(label=_("证明材料"), help_text=_("劳动合同、任职文件或职称证书等，PDF、JPG 或 PNG。"))
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        if staff:
            del self.fields["proof"]
            self.fields["note"].label = _("发现经过")


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("建议内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    co_authors = forms.ModelMultipleChoiceField(
        label=_("联合提出人"), required=False, queryset=Expert.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("联合提出的，每位提出人均计入本季度建议数。可按住 Ctrl 多选。"))
    attachment = forms.FileField(label=_("附件"), required=False, help_text=_("可选，PDF、JPG 或 PNG。"))

    def __init__(self, *args, expert, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_authors"].queryset = (Expert.objects.filter(body=expert.body, status=Expert.Status.ACTIVE)
                                              .exclude(pk=expert.pk).order_by("public_name", "pk"))
        self.fields["co_authors"].label_from_instance = lambda e: f"{e.public_name}（{e.public_employer}）"


class PriorReportForm(forms.ModelForm):
    class Meta:
        model = PriorReport
        fields = ["activity", "title", "starts_on", "place", "audience", "description"]
        widgets = {"starts_on": forms.DateInput(attrs=DATE), "description": forms.Textarea(attrs={"rows": 4})}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("处理"), choices=[("acknowledged", _("知悉")), ("objected", _("提出异议"))],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("处理意见"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}), help_text=_("提出异议时必填。"))


class TrainingSessionForm(forms.Form):
    topic = forms.CharField(label=_("培训主题"), max_length=200)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=forms.DateTimeInput(attrs=DATETIME))
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=forms.DateTimeInput(attrs=DATETIME))
    place = forms.CharField(label=_("地点"), max_length=200)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=10000)
    description = forms.CharField(label=_("说明"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class OpenRoundForm(forms.Form):
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)


class ReviewRowForm(forms.Form):
    grade = forms.ChoiceField(label=_("考核等次"), choices=[("", "—")] + list(AssessmentRow.Grade.choices))
    comment = forms.CharField(label=_("考核意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
