from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Body, Policy, Role, User
from .policy import PolicyError, validate_values

def put_service_errors(form, exc, rename=None):
    """A service's ValidationError onto a form: on the field it names when the form has that
    field (after `rename`, service name → form field), else as a form-wide error."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = (rename or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


POLICY_SECTIONS = [
    (_("公示与异议"), ["notice_workdays", "count_publication_day", "objection_decision_workdays",
                     "notice_required_for_admission", "unit_verification_required"]),
    (_("聘任与专家管理"), ["term_years", "renewal_skips_notice", "annual_enrolment", "age_limit",
                        "leader_age_limit", "change_report_workdays", "proposals_per_quarter"]),
    (_("随机抽取"), ["draw_ratio_num", "draw_ratio_den", "rotation_consecutive_draws", "invitation_reply_hours",
                  "unanswered_invitations_exit", "poor_ratings_exit", "unexcused_absences_exit"]),
    (_("会议与表决"), ["quorum_num", "quorum_den", "min_vice_chairs_present", "pass_num", "pass_den",
                    "major_pass_num", "major_pass_den", "major_base", "petition_num", "petition_den",
                    "leaders_max_num", "leaders_max_den", "agenda_lead_workdays", "min_assemblies_per_year",
                    "written_vote_allowed", "member_absence_exit_years", "poor_performance_exit_years"]),
]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [name for _title, names in POLICY_SECTIONS for name in names]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        citations = self.instance.citations or {}
        for name, field in self.fields.items():
            if name in citations:
                field.help_text = f"{field.help_text} {_('依据')}：{citations[name]}".strip()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *[Fieldset(title, *names) for title, names in POLICY_SECTIONS],
            Submit("save", _("保存修改")),
        )

    def clean(self):
        data = super().clean()
        try:
            validate_values(data)
        except PolicyError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, messages)
        return data

    def _post_clean(self):
        # The service saves and validates the model; the form only cleans input.
        pass


class RoleGrantForm(forms.Form):
    user = forms.CharField(label=_("用户（邮箱或手机号）"), max_length=200)
    body = forms.ModelChoiceField(label=_("机构"), queryset=Body.objects.filter(is_active=True), to_field_name="key")
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)

    def clean_user(self):
        from .models.users import normalize_mobile

        ident = self.cleaned_data["user"].strip()
        user = User.objects.filter(email__iexact=ident).first() or User.objects.filter(
            mobile=normalize_mobile(ident)).first()
        if user is None:
            raise forms.ValidationError(_("没有找到该用户，请确认邮箱或手机号。"))
        return user

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "row g-2 align-items-end"
        self.helper.layout = Layout(
            HTML('<div class="col-md-4">'), "user", HTML("</div>"),
            HTML('<div class="col-md-4">'), "body", HTML("</div>"),
            HTML('<div class="col-md-2">'), "role", HTML("</div>"),
            HTML('<div class="col-md-2 mb-3">'), Submit("grant", _("授予角色"), css_class="w-100"), HTML("</div>"),
        )


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    action = forms.CharField(label=_("动作"), required=False)
    actor = forms.CharField(label=_("操作人"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data
