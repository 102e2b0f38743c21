"""Forms of projects. They validate and parse input (list fields are one item per line,
columns separated by “|”, with a message naming the faulty line); services change state."""
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Adjustment, OutputKind, Project, TeamMember

LINE_HELP = _("每行一项，各栏之间用竖线“|”分隔。")
YES = {"是", "y", "yes", "1", "true", "已发布", "√"}


def _lines(text):
    return [(i, line.strip()) for i, line in enumerate((text or "").splitlines(), start=1) if line.strip()]


def _cols(line, n):
    parts = [p.strip() for p in line.replace("｜", "|").split("|")]
    return (parts + [""] * n)[:n]


def _date(value, lineno):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("第 %(n)s 行：日期“%(v)s”无效，请按 2026-03-31 的格式填写。") % {"n": lineno, "v": value})


def _amount(value, lineno):
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("第 %(n)s 行：金额“%(v)s”不是数字。") % {"n": lineno, "v": value})
    if amount < 0 or amount >= Decimal("100000000"):
        raise ValidationError(_("第 %(n)s 行：金额应在 0 到 99999999.99 万元之间。") % {"n": lineno})
    return amount.quantize(Decimal("0.01"))


def parse_milestones(text):
    out = []
    for n, line in _lines(text):
        due, title = _cols(line, 2)
        if not title:
            raise ValidationError(_("第 %(n)s 行：请按“到期日|里程碑名称”填写。") % {"n": n})
        out.append((title[:200], _date(due, n)))
    return out


ROLE_BY_LABEL = {str(label): value for value, label in TeamMember.Role.choices}


def _role(value, n):
    if value in TeamMember.Role.values:
        return value
    if value in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[value]
    if not value:
        return TeamMember.Role.MEMBER
    raise ValidationError(_("第 %(n)s 行：角色“%(v)s”无效，可填：%(roles)s。") % {
        "n": n, "v": value, "roles": "、".join(ROLE_BY_LABEL)})


def parse_team(text):
    out = []
    for n, line in _lines(text):
        name, unit, role = _cols(line, 3)
        if not name or not unit:
            raise ValidationError(_("第 %(n)s 行：请按“姓名|所在单位|角色”填写。") % {"n": n})
        out.append((name[:100], unit[:200], _role(role, n)))
    return out


def parse_partners(text):
    out = []
    for n, line in _lines(text):
        unit, key, role, contribution = _cols(line, 4)
        if not unit:
            raise ValidationError(_("第 %(n)s 行：请填写合作单位名称。") % {"n": n})
        out.append((unit[:200], key[:60], role[:100], contribution))
    return out


def parse_budget(text):
    out = []
    for n, line in _lines(text):
        item, amount, source = _cols(line, 3)
        if not item or not amount:
            raise ValidationError(_("第 %(n)s 行：请按“科目|金额（万元）|来源”填写。") % {"n": n})
        out.append((item[:100], _amount(amount, n), source[:100]))
    return out


KIND_BY_LABEL = {str(label): value for value, label in OutputKind.choices}


def parse_outputs(text):
    out = []
    for n, line in _lines(text):
        kind, title, ref, published = _cols(line, 4)
        kind = KIND_BY_LABEL.get(kind, kind)
        if kind not in OutputKind.values:
            raise ValidationError(_("第 %(n)s 行：成果类型“%(v)s”无效，可填：%(kinds)s。") % {
                "n": n, "v": kind, "kinds": "、".join(KIND_BY_LABEL)})
        if not title:
            raise ValidationError(_("第 %(n)s 行：请填写成果名称。") % {"n": n})
        out.append((kind, title, ref, published.lower() in YES))
    return out


def milestones_text(project):
    return "\n".join(f"{m.due_on.isoformat()}|{m.title}" for m in project.milestones.all())


def team_text(project):
    return "\n".join(f"{t.name}|{t.unit_name}|{t.get_role_display()}" for t in project.team.all())


def partners_text(project):
    return "\n".join(f"{p.unit_name}|{p.unit_key}|{p.role}|{p.contribution}"
                     for p in project.partners.all() if p.organisation_id is None)


def budget_text(project):
    return "\n".join(f"{b.item}|{b.amount}|{b.source}" for b in project.budget_lines.all())


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class NewProjectForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("申报单位"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("项目名称"), max_length=200)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=200)
    field = forms.ChoiceField(label=_("领域"), choices=Project.Field.choices)
    goals = forms.CharField(label=_("项目目标"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    expected_outputs = forms.CharField(label=_("预期成果"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text=_("如标准、研究报告、试点示范等。"))
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())
    lead_name = forms.CharField(label=_("项目负责人"), max_length=100, required=False)
    milestones = forms.CharField(label=_("里程碑"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("每行一项：到期日|里程碑名称，例如 2026-06-30|完成标准草案。"))
    team = forms.CharField(label=_("项目团队"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("每行一人：姓名|所在单位|角色（负责人、主要参与人员、成员、联络人）。"))
    partners = forms.CharField(label=_("合作单位"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("每行一个：单位名称|统一社会信用代码（选填）|角色|承担工作。"))
    budget = forms.CharField(label=_("经费预算"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("每行一项：科目|金额（万元）|来源。"))
    budget_sources = forms.CharField(label=_("经费来源说明"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def clean_milestones(self):
        return parse_milestones(self.cleaned_data["milestones"])

    def clean_team(self):
        return parse_team(self.cleaned_data["team"])

    def clean_partners(self):
        return parse_partners(self.cleaned_data["partners"])

    def clean_budget(self):
        return parse_budget(self.cleaned_data["budget"])

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data

    @staticmethod
    def initial_for(project):
        return {"title": project.title, "field": project.field, "goals": project.goals,
                "expected_outputs": project.expected_outputs, "starts_on": project.starts_on,
                "ends_on": project.ends_on, "lead_name": project.lead_name,
                "milestones": milestones_text(project), "team": team_text(project),
                "partners": partners_text(project), "budget": budget_text(project),
                "budget_sources": project.budget_sources}


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("文件名称"), max_length=200, required=False)
    file = forms.FileField(label=_("文件"), help_text=_("PDF、JPG 或 PNG 文件。"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             required=False)


class ReviewDecisionForm(forms.Form):
    DECISIONS = [("approve", _("同意立项")), ("return", _("退回修改")), ("reject", _("不予立项"))]
    decision = forms.ChoiceField(label=_("审核结论"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             required=False, help_text=_("退回或不予立项时必须填写。"))

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("return", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("退回或不予立项时请填写理由。"))
        return data


class JoinForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("申请单位"), queryset=None, empty_label=None)
    role = forms.CharField(label=_("拟承担角色"), max_length=100)
    contribution = forms.CharField(label=_("拟贡献内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_("异议人姓名或单位名称"), max_length=100,
                           help_text=_("仅工作人员可见，不会公开。"))
    contact = forms.CharField(label=_("联系电话或电子邮箱"), max_length=100,
                              help_text=_("用于核实情况和告知处理结果，不会公开。"))
    facts = forms.CharField(label=_("异议事实和理由"), min_length=10, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 5}), help_text=_("请写明具体事实，至少 10 个字。"))


class ObjectionDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("处理结论"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                    choices=[("0", _("异议不成立")), ("1", _("异议成立（终止立项）"))])
    reason = forms.CharField(label=_("处理结论和理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class TeamMemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    unit_name = forms.CharField(label=_("所在单位"), max_length=200)
    role = forms.ChoiceField(label=_("角色"), choices=TeamMember.Role.choices, initial=TeamMember.Role.MEMBER)
    duty = forms.CharField(label=_("分工"), max_length=200, required=False)


class ProgressForm(forms.Form):
    milestone = forms.ModelChoiceField(label=_("里程碑"), queryset=None, empty_label=None)
    progress = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = project.milestones.all()


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("调整类型"), choices=Adjustment.Kind.choices)
    reason = forms.CharField(label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    goals = forms.CharField(label=_("调整后的项目目标（研究内容）"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    expected_outputs = forms.CharField(label=_("调整后的预期成果（研究内容）"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    ends_on = forms.DateField(label=_("调整后的结束日期（进度安排）"), required=False, widget=DateInput())
    members = forms.CharField(label=_("增加的成员（人员）"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("每行一人：姓名|所在单位|角色。"))
    budget = forms.CharField(label=_("调整后的预算（经费）"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("每行一项：科目|金额（万元）|来源；将替换原预算。"))

    def clean_members(self):
        return parse_team(self.cleaned_data["members"])

    def clean_budget(self):
        return parse_budget(self.cleaned_data["budget"])

    def changes(self):
        d = self.cleaned_data
        return {
            "goals": d.get("goals"), "expected_outputs": d.get("expected_outputs"),
            "ends_on": d["ends_on"].isoformat() if d.get("ends_on") else None,
            "add": [{"name": n, "unit_name": u, "role": r} for n, u, r in d.get("members") or []],
            "lines": [{"item": i, "amount": str(a), "source": s} for i, a, s in d.get("budget") or []],
        }


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("审批结论"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                     choices=[("1", _("批准")), ("0", _("不批准"))])
    reason = forms.CharField(label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             required=False, help_text=_("不批准时必须填写。"))


class ClosingReportForm(forms.Form):
    summary = forms.CharField(label=_("结题报告"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    outputs = forms.CharField(label=_("项目成果"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("每行一项：类型（标准、研究报告、试点示范、专利、其他）|名称|编号或出处|是否已发布（是/否）。"))

    def clean_outputs(self):
        return parse_outputs(self.cleaned_data["outputs"])


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user.name} <{user.email}>"


class AssignReviewersForm(forms.Form):
    reviewers = UserChoiceField(label=_("评审人"), queryset=None, widget=forms.CheckboxSelectMultiple)
    draw = forms.ModelChoiceField(label=_("专家抽取（可选）"), queryset=None, required=False,
                                  help_text=_("选择后，该抽取中已接受邀请的专家也可担任评审人。"))

    def __init__(self, *args, reviewers, draws, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewers
        self.fields["draw"].queryset = draws


class ReviewForm(forms.Form):
    score = forms.IntegerField(label=_("评分（0–100）"), min_value=0, max_value=100)
    comments = forms.CharField(label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ClosingDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结题结论"), widget=forms.RadioSelect, choices=[
        (Project.Outcome.ACCEPTED, _("通过")), (Project.Outcome.REVISION, _("需修改")),
        (Project.Outcome.FAILED, _("不通过"))])
    reason = forms.CharField(label=_("结题意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("名称、编号或单位")}))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + Project.Status.choices,
                               widget=forms.Select(attrs={"class": "form-select"}))
    field = forms.ChoiceField(label=_("领域"), required=False, choices=[("", _("全部"))] + Project.Field.choices,
                              widget=forms.Select(attrs={"class": "form-select"}))


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    emails = forms.CharField(label=_("单位账号（邮箱）"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("每行一个已注册账号的邮箱。账号还须在本机构具有成员角色才能申报项目。"))

    def clean_emails(self):
        return [line for _n, line in _lines(self.cleaned_data["emails"])]
