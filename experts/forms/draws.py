"""Forms of the draw pages: the draw request, the supervisor's entropy, a designation and
its decision, cancellation and the list filter. They clean input only; every change is made
by experts.services.draws."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_users_with_perms

from ..models import Draw, Expert, ExpertField
from ..models.pool import ExpertProfile, TitleLevel
from ..selectors import draws as selectors
from ..validators import sniff_upload

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_LINES = 200


def _lines(value):
    """Non-empty, stripped, de-duplicated lines (order kept)."""
    seen, out = set(), []
    for line in (value or "").replace("，", "\n").replace("；", "\n").splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.add(line)
            out.append(line)
    return out


class LinesField(forms.CharField):
    """A textarea of one entry per line, cleaned to a list of strings."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *args, max_item_length=200, **kwargs):
        self.max_item_length = max_item_length
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(value)
        return value

    def clean(self, value):
        items = _lines(super().clean(value))
        if len(items) > MAX_LINES:
            raise ValidationError(_("最多填写 %(n)s 行。") % {"n": MAX_LINES})
        too_long = [i for i in items if len(i) > self.max_item_length]
        if too_long:
            raise ValidationError(_("每行不超过 %(n)s 个字：“%(item)s”过长。") % {
                "n": self.max_item_length, "item": too_long[0][:20]})
        return items


class ExpertChoice(forms.ModelMultipleChoiceField):
    """Active members of the body, picked through the search box (only picked ones render)."""

    widget = forms.MultipleHiddenInput

    def label_from_instance(self, obj):
        return f"{obj.public_name}（{obj.certificate_no}）"


def supervisor_choices(body):
    users = get_users_with_perms(body, only_with_perms_in=["supervise"], with_superusers=False,
                                 with_group_users=False)
    return users.filter(is_active=True).order_by("name", "pk")


class SupervisorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class _EngagementForm(forms.Form):
    """Fields shared by a draw request and a designation."""

    purpose = forms.ChoiceField(label=_("用途"), choices=Draw.Purpose.choices)
    title = forms.CharField(label=_("事项名称"), max_length=200)
    reviewed_unit = forms.CharField(label=_("被检查/评审单位"), max_length=200)
    partner_units = LinesField(label=_("合作单位"), help_text=_("每行一个单位；任职于这些单位的专家回避。"))
    project_participants = LinesField(label=_("项目参与人员"), max_item_length=100,
                                      help_text=_("每行一个姓名；参与人回避。"))
    engagement_start = forms.DateField(label=_("开始日期"), widget=DATE)
    engagement_end = forms.DateField(label=_("结束日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=200)
    reply_hours = forms.IntegerField(label=_("邀请答复时限（小时）"), min_value=1, max_value=720,
                                     help_text=_("专家须在发出邀请后的该时限内答复。"))
    supervisor = SupervisorChoice(label=_("监督人"), queryset=None, empty_label=_("请选择监督人"),
                                  help_text=_("在本机构担任监督职责的人员，现场见证并输入公开随机数。"))

    def __init__(self, *args, body, **kwargs):
        super().__init__(*args, **kwargs)
        self.body = body
        self.fields["supervisor"].queryset = supervisor_choices(body)
        policy = getattr(body, "policy", None)
        if policy is not None:
            self.fields["reply_hours"].initial = policy.invitation_reply_hours

    def clean(self):
        data = super().clean()
        start, end = data.get("engagement_start"), data.get("engagement_end")
        if start and end and end < start:
            self.add_error("engagement_end", _("结束日期不能早于开始日期。"))
        return data

    def engagement_data(self):
        d = self.cleaned_data
        return {k: d[k] for k in ("purpose", "title", "reviewed_unit", "partner_units", "project_participants",
                                  "engagement_start", "engagement_end", "place", "reply_hours", "supervisor")}


class DrawForm(_EngagementForm):
    """A random draw request (随机抽取)."""

    needed = forms.IntegerField(label=_("所需专家人数"), min_value=1, max_value=99)
    fields_ = forms.ModelMultipleChoiceField(
        label=_("专业领域条件"), required=False, queryset=ExpertField.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限；选择上级领域时包含其下级领域。"))
    min_title_level = forms.ChoiceField(label=_("最低职称等级"), required=False,
                                        choices=[("", _("不限"))] + [c for c in TitleLevel.choices if c[0] != "none"])
    regions = LinesField(label=_("地区条件"), max_item_length=100, help_text=_("每行一个地区；不填表示不限。"))
    employer_types = forms.MultipleChoiceField(label=_("单位性质条件"), required=False,
                                               choices=ExpertProfile.EmployerType.choices,
                                               widget=forms.CheckboxSelectMultiple,
                                               help_text=_("不选表示不限。"))
    excluded_experts = ExpertChoice(label=_("被检查单位书面申请回避的专家"), required=False,
                                    queryset=Expert.objects.none())
    exclusion_letter = forms.FileField(label=_("书面回避申请"), required=False,
                                       help_text=_("被检查单位的书面申请（PDF、JPG 或 PNG）。"))

    field_order = ["purpose", "title", "reviewed_unit", "partner_units", "project_participants",
                   "engagement_start", "engagement_end", "place", "needed"]

    def __init__(self, *args, body, **kwargs):
        super().__init__(*args, body=body, **kwargs)
        tree = selectors.field_choices(body)
        self.fields["fields_"].queryset = ExpertField.objects.filter(body=body)
        self.fields["fields_"].choices = [(f.pk, f"{'　' * depth}{f.name}") for f, depth in tree]
        self.fields["excluded_experts"].queryset = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE)
        self.top_fields = [f for f, depth in tree if depth == 0]
        self.need_names = []
        for f in self.top_fields:
            name = f"need_{f.code}"
            self.fields[name] = forms.IntegerField(label=f.name, required=False, min_value=0, max_value=99)
            self.need_names.append((name, f.code))

    def need_fields(self):
        return [self[name] for name, _code in self.need_names]

    def clean_exclusion_letter(self):
        letter = self.cleaned_data.get("exclusion_letter")
        if letter:
            sniff_upload(letter)
        return letter

    def clean(self):
        data = super().clean()
        needs = {code: data.get(name) for name, code in self.need_names if data.get(name)}
        needed = data.get("needed")
        if needs and needed is not None:
            total = sum(needs.values())
            if total != needed:
                msg = _("按领域人数合计 %(total)s 人，与所需专家人数 %(needed)s 人不一致。") % {
                    "total": total, "needed": needed}
                self.add_error("needed", msg)
                for name, code in self.need_names:
                    if code in needs:
                        self.add_error(name, msg)
        data["needs_by_field"] = needs
        experts, letter = data.get("excluded_experts"), data.get("exclusion_letter")
        if experts and not letter:
            self.add_error("exclusion_letter", _("申请回避的专家须附被检查单位的书面申请。"))
        if letter and not experts:
            self.add_error("excluded_experts", _("已上传书面申请，请选择申请回避的专家。"))
        return data

    def service_kwargs(self):
        """Keyword arguments of experts.services.draws.create_draw (besides actor)."""
        d = self.cleaned_data
        data = {**self.engagement_data(), "needed": d["needed"], "needs_by_field": d["needs_by_field"],
                "min_title_level": d.get("min_title_level") or "", "regions": d.get("regions") or [],
                "employer_types": list(d.get("employer_types") or [])}
        return {"data": data, "fields": list(d.get("fields_") or []),
                "excluded_experts": list(d.get("excluded_experts") or []),
                "exclusion_letter": d.get("exclusion_letter") or None}


class DesignationForm(_EngagementForm):
    """Designation (指定) instead of a draw: named experts, a stated reason, an approver decides."""

    experts = ExpertChoice(label=_("指定的专家"), queryset=Expert.objects.none(),
                           error_messages={"required": _("请至少选择一名专家。")})
    reason = forms.CharField(label=_("指定理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("说明不采用随机抽取的理由；须经审批。"))

    def __init__(self, *args, body, **kwargs):
        super().__init__(*args, body=body, **kwargs)
        self.fields["experts"].queryset = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("请说明指定理由。"))
        return reason

    def service_kwargs(self):
        d = self.cleaned_data
        experts = list(d["experts"])
        return {"data": {**self.engagement_data(), "needed": len(experts)}, "experts": experts,
                "reason": d["reason"]}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批意见"), choices=[("approve", _("批准指定")), ("reject", _("不予批准"))],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label=_("审批说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("不予批准时请说明理由。"))
        return data


class EntropyForm(forms.Form):
    value = forms.CharField(label=_("公开随机数"), max_length=200,
                            help_text=_("冻结专家池之后产生的公开数值，如监督人现场输入的数字或当期彩票开奖号码。"))
    source = forms.CharField(label=_("随机数来源"), max_length=200, initial=_("监督人现场输入"))

    def clean_value(self):
        value = self.cleaned_data["value"].strip()
        if not value:
            raise ValidationError(_("请输入公开随机数。"))
        return value

    def clean_source(self):
        source = self.cleaned_data["source"].strip()
        if not source:
            raise ValidationError(_("请说明随机数来源。"))
        return source


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    """Staff withdraw an invitation still in force (the place is drawn again 1:1)."""

    invitation = forms.TypedChoiceField(label=_("撤回哪一份邀请"), coerce=int)
    reason = forms.CharField(label=_("撤回理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("理由写入审计记录并告知专家；公开记录只写“工作人员撤回邀请”。"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitation"].choices = [("", "—")] + list(choices)


class DrawFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Draw.Status.choices))

    def status_value(self):
        if self.is_bound and self.is_valid():
            return self.cleaned_data["status"]
        return ""
