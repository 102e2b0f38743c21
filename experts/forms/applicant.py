"""The applicant's forms: the application (profile + fields of expertise + one optional
attachment per save) and the withdrawal confirmation. Forms clean formats; completeness
and eligibility are checked by experts.services.applications.submit."""
from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models.users import normalize_mobile, validate_mobile

from ..models import Attachment, ExpertField, ExpertProfile
from ..services.applications import PROFILE_FIELDS
from ..services.vetting import SECTION_LABELS
from ..validators import normalize_resident_id, resident_id_birth_date, sniff_upload, validate_resident_id

SECTIONS = (
    ("identity", SECTION_LABELS["identity"], ("name", "gender", "birth_date", "id_type", "id_number")),
    ("contact", SECTION_LABELS["contact"], ("phone", "email", "address")),
    ("work", SECTION_LABELS["work"], ("employer", "employer_type", "position", "is_executive",
                                      "executive_since", "work_since", "region")),
    ("qualifications", SECTION_LABELS["qualifications"], ("title", "title_level", "degree", "degree_year",
                                                          "licence", "licence_year")),
    ("fields", SECTION_LABELS["fields"], ("fields", "field_years")),
    ("cv", SECTION_LABELS["cv"], ("cv", "statement")),
    ("interests", SECTION_LABELS["interests"], ("recent_employers", "close_relations", "shareholdings")),
    ("attachments", SECTION_LABELS["attachments"], ("attachment_kind", "attachment_file")),
)
YEAR_FIELDS = ("executive_since", "work_since", "degree_year", "licence_year")
MAX_RECENT_EMPLOYERS = 20


class ApplicationForm(forms.Form):
    """One form for the whole application, phone first (one column, native inputs)."""

    recent_employers = forms.CharField(
        label=_("近年工作单位"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个单位，用于随机抽取时的回避。"))
    fields = forms.ModelMultipleChoiceField(
        label=_("专业领域"), required=False, queryset=ExpertField.objects.none(),
        widget=forms.CheckboxSelectMultiple, help_text=_("可多选；提交时至少选择一项。"))
    field_years = forms.IntegerField(
        label=_("所选领域从业年限"), required=False, min_value=0, max_value=70,
        help_text=_("在所选专业领域累计从业的年数；部分机构对特殊行业有年限要求。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    statement = forms.CharField(label=_("申请说明"), required=False, max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    attachment_kind = forms.ChoiceField(
        label=_("附件类别"), required=False, choices=[("", _("请选择"))] + list(Attachment.Kind.choices))
    attachment_file = forms.FileField(
        label=_("选择文件"), required=False,
        help_text=_("PDF、JPG 或 PNG 格式；保存或提交时一并上传。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))

    def __init__(self, *args, application, **kwargs):
        self.application = application
        profile = application.profile
        initial = {name: getattr(profile, name) for name in PROFILE_FIELDS}
        initial["recent_employers"] = "\n".join(profile.recent_employers or [])
        initial.update(field_years=application.field_years, statement=application.statement)
        if application.pk:
            initial["fields"] = [f.pk for f in application.fields.all()]
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(ExpertProfile, fields=[f for f in PROFILE_FIELDS if f != "recent_employers"])
        for name, field in model_fields.items():
            field.required = name in ("name", "id_type", "title_level", "degree")
            self.fields[name] = field
        self.fields["fields"].queryset = ExpertField.objects.filter(body_id=application.body_id).order_by(
            "order", "code")
        year_max = timezone.localdate().year
        for name in YEAR_FIELDS:
            self.fields[name].widget = forms.NumberInput(attrs={"inputmode": "numeric", "min": 1940, "max": year_max})
        self.fields["birth_date"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["gender"].widget = forms.RadioSelect(choices=ExpertProfile.Gender.choices)
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["name"].widget.attrs.update(autocomplete="name")
        self.fields["address"].widget.attrs.update(autocomplete="street-address")
        self.fields["id_number"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["cv"].widget = forms.Textarea(attrs={"rows": 6})
        for name in ("close_relations", "shareholdings"):
            self.fields[name].widget = forms.Textarea(attrs={"rows": 2})
        self.fields["executive_since"].help_text = _("企业高层管理人员填写。")

    # --- cleaning ---------------------------------------------------------------------------

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "").strip()
        if not value:
            return ""
        validate_mobile(value)
        return normalize_mobile(value)

    def clean_recent_employers(self):
        lines = [line.strip() for line in self.cleaned_data.get("recent_employers", "").splitlines()]
        items = [line for line in lines if line]
        if len(items) > MAX_RECENT_EMPLOYERS:
            raise forms.ValidationError(_("最多填写 %(n)s 个单位。") % {"n": MAX_RECENT_EMPLOYERS})
        if any(len(item) > 200 for item in items):
            raise forms.ValidationError(_("每个单位名称不超过 200 字。"))
        return items

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        birth = data.get("birth_date")
        if birth and (birth > today or birth.year < 1900):
            self.add_error("birth_date", _("请填写有效的出生日期。"))
            birth = None
        id_type, id_number = data.get("id_type"), (data.get("id_number") or "").strip()
        if id_type == ExpertProfile.IdType.RESIDENT and id_number:
            try:
                id_number = validate_resident_id(id_number, today=today)
            except forms.ValidationError as exc:
                self.add_error("id_number", exc)
            else:
                embedded = resident_id_birth_date(id_number)
                if birth and embedded != birth:
                    self.add_error("birth_date", _("出生日期与身份证号码中的出生日期（%(date)s）不一致。") % {
                        "date": embedded.isoformat()})
                elif not birth and "birth_date" not in self.errors:
                    data["birth_date"] = embedded
        elif id_number:
            id_number = normalize_resident_id(id_number)
        if "id_number" not in self.errors:
            data["id_number"] = id_number
        for name in YEAR_FIELDS:
            year = data.get(name)
            if year is not None and not (1940 <= year <= today.year):
                self.add_error(name, _("请填写 1940 至 %(year)s 之间的年份。") % {"year": today.year})
            elif year is not None and birth and year < birth.year:
                self.add_error(name, _("年份不能早于出生年份。"))
        if not data.get("is_executive"):
            data["executive_since"] = None
        kind, upload = data.get("attachment_kind"), data.get("attachment_file")
        if upload:
            try:
                sniff_upload(upload)
            except forms.ValidationError as exc:
                self.add_error("attachment_file", exc)
            if not kind:
                self.add_error("attachment_kind", _("请选择附件类别。"))
        elif kind:
            self.add_error("attachment_file", _("请选择要上传的文件。"))
        return data

    # --- results for the service --------------------------------------------------------------

    def profile_data(self):
        data = {name: self.cleaned_data.get(name) for name in PROFILE_FIELDS}
        for name, value in data.items():
            if value is None and name not in ("birth_date", *YEAR_FIELDS):
                data[name] = ""
        data["is_executive"] = bool(self.cleaned_data.get("is_executive"))
        return data

    def chosen_fields(self):
        return list(self.cleaned_data.get("fields") or [])

    def upload(self):
        if self.cleaned_data.get("attachment_file"):
            return self.cleaned_data["attachment_kind"], self.cleaned_data["attachment_file"]
        return None

    def add_service_errors(self, error):
        """Put a service's ValidationError on the form: known fields per field, others on top."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                messages = [m for e in errors for m in e.messages]
                if name in self.fields:
                    for message in messages:
                        self.add_error(name, message)
                else:
                    for message in messages:
                        self.add_error(None, message)
        else:
            for message in error.messages:
                self.add_error(None, message)

    # --- rendering helpers --------------------------------------------------------------------

    def sections(self, comments=None):
        comments = comments or {}
        return [{"key": key, "title": title, "fields": [self[n] for n in names if n not in ("fields",)],
                 "comment": comments.get(key, "")} for key, title, names in SECTIONS]

    def field_tree(self):
        """The body's field tree for grouped checkboxes: [{node, checked, children: [...]}]."""
        value = self["fields"].value() or []
        chosen = {str(v) for v in value}
        nodes = list(self.fields["fields"].queryset)
        children = {}
        for node in nodes:
            children.setdefault(node.parent_id, []).append(node)

        def build(node):
            return {"node": node, "checked": str(node.pk) in chosen,
                    "children": [build(c) for c in children.get(node.pk, [])]}

        return [build(n) for n in children.get(None, [])]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因（可不填）"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("我确认撤回此申请，撤回后不能恢复"), required=True)


__all__ = ["SECTIONS", "ApplicationForm", "WithdrawForm"]
