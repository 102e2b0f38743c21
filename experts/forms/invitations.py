"""Forms of the expert side of draws (replies to invitations) and of evaluations. They
validate input; the services (experts.services.draws.reply, experts.services.evaluations)
change state."""
from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Invitation
from ..services.evaluations import CRITERIA, NOTE_MAX_LENGTH, SCORE_MAX, SCORE_MIN

REASON_MAX_LENGTH = 1000
ANSWERS = (
    ("accept", _("接受邀请")),
    ("decline", _("谢绝邀请")),
    ("conflict", _("申报回避")),
)


class ReplyForm(forms.Form):
    """One form, three submit buttons (name="answer"). A decline or a declared conflict needs
    a reason."""

    answer = forms.ChoiceField(label=_("答复"), choices=ANSWERS, error_messages={
        "required": _("请选择答复：接受、谢绝或申报回避。"),
        "invalid_choice": _("答复无效，请重新选择。")})
    reason = forms.CharField(
        label=_("理由"), required=False, max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("谢绝或申报回避时必须填写理由（如：与被检查单位存在利害关系、时间冲突）。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        data = super().clean()
        data["reason"] = (data.get("reason") or "").strip()
        if data.get("answer") in ("decline", "conflict") and not data["reason"]:
            self.add_error("reason", _("谢绝邀请或申报回避时须填写理由。"))
        return data


def _score_choices():
    return [("", _("不评分"))] + [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class EvaluationForm(forms.Form):
    """Attendance and rating of one accepted expert (prefix = the invitation's id)."""

    attendance = forms.ChoiceField(label=_("出席情况"), required=False,
                                   choices=[("", _("未记录"))] + list(Invitation.Attendance.choices))
    rating = forms.ChoiceField(label=_("评价"), required=False,
                               choices=[("", _("未评价"))] + list(Invitation.Rating.choices))
    note = forms.CharField(label=_("评价说明"), required=False, max_length=NOTE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CRITERIA.items():
            self.fields[f"score_{key}"] = forms.TypedChoiceField(
                label=label, required=False, choices=_score_choices(), coerce=int, empty_value=None,
                help_text=_("1–5 分，可不填"))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @property
    def score_fields(self):
        return [self[f"score_{key}"] for key in CRITERIA]

    def clean(self):
        data = super().clean()
        scores = {key: data.get(f"score_{key}") for key in CRITERIA if data.get(f"score_{key}") is not None}
        data["scores"] = scores
        if (scores or data.get("note")) and not data.get("rating"):
            self.add_error("rating", _("填写分项评分或说明时须选择评价等级。"))
        elif not data.get("attendance") and not data.get("rating"):
            self.add_error(None, _("请至少填写出席情况或评价。"))
        return data

    @classmethod
    def initial_for(cls, invitation):
        initial = {"attendance": invitation.attendance, "rating": invitation.rating, "note": invitation.rating_note}
        for key in CRITERIA:
            value = (invitation.scores or {}).get(key)
            initial[f"score_{key}"] = "" if value is None else str(value)
        return initial
