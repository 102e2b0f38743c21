"""Forms of the council pages: seats and member units, unit applications, meetings and their
agenda, petitions, motions (at a meeting, written, elections), ballots and minutes. They clean
input only; every change is made by councils.services."""
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import User

from .models import AgendaItem, Meeting, MemberUnit, Motion, Seat, UnitApplication

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_CANDIDATES = 50


def find_account(value):
    """An active account by e-mail or mobile number, or None."""
    value = (value or "").strip()
    if not value:
        return None
    return User.objects.filter(Q(email__iexact=value) | Q(mobile=value), is_active=True).first()


class AccountField(forms.CharField):
    """An account named by its e-mail or mobile number, cleaned to the User."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("help_text", _("填写已注册账号的邮箱或手机号。"))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, User):
            return value.email
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        user = find_account(value)
        if user is None:
            raise ValidationError(_("找不到账号“%(v)s”，请先请其注册。") % {"v": value[:60]})
        return user


# --------------------------------------------------------------------------- membership

class SeatForm(forms.Form):
    role = forms.ChoiceField(label=_("职务"), choices=Seat.Role.choices)
    holder = AccountField(label=_("个人席位：担任人"), required=False)
    unit = forms.ModelChoiceField(label=_("单位席位：成员单位"), queryset=MemberUnit.objects.none(), required=False,
                                  empty_label=_("（个人席位）"))
    representative = AccountField(label=_("单位代表"), required=False)
    substitute = AccountField(label=_("候补代表"), required=False)
    term_start = forms.DateField(label=_("任期开始日期"), widget=DATE, required=False,
                                 help_text=_("留空为今天；任期年限按本机构规定计算。"))

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        self.fields["unit"].queryset = council.units.filter(status=MemberUnit.Status.ACTIVE).order_by("name")

    def clean(self):
        data = super().clean()
        holder, unit = data.get("holder"), data.get("unit")
        if self.errors:
            return data
        if bool(holder) == bool(unit):
            raise ValidationError(_("请填写担任人，或选择成员单位（二者选一）。"))
        if unit and not data.get("representative"):
            self.add_error("representative", _("单位席位须指定单位代表。"))
        if not unit and (data.get("representative") or data.get("substitute")):
            raise ValidationError(_("个人席位不设单位代表和候补代表。"))
        if unit and data.get("representative") and data.get("representative") == data.get("substitute"):
            self.add_error("substitute", _("候补代表不能与单位代表为同一人。"))
        return data

    def service_kwargs(self):
        d = self.cleaned_data
        out = {"role": d["role"], "holder": d["holder"], "unit": d["unit"],
               "representative": d["representative"], "substitute": d["substitute"]}
        if d.get("term_start"):
            out["term_start"] = d["term_start"]
        return out


class EndSeatForm(forms.Form):
    reason = forms.CharField(label=_("结束原因"), max_length=200)


class UnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=200)
    short_name = forms.CharField(label=_("简称"), max_length=60, required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
        if code and len(code) != 18:
            raise ValidationError(_("统一社会信用代码应为 18 位。"))
        return code


class RemoveUnitForm(forms.Form):
    reason = forms.ChoiceField(label=_("退出原因"), choices=MemberUnit.LeaveReason.choices)
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UnitApplicationForm(UnitForm):
    reason = forms.CharField(label=_("申请理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(label=_("申请材料（PDF）"), required=False)

    field_order = ["name", "credit_code", "contact_name", "contact_phone", "reason", "attachment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["short_name"]
        self.fields["contact_name"].required = True
        self.fields["contact_phone"].required = True

    def clean_attachment(self):
        f = self.cleaned_data.get("attachment")
        if f:
            if f.size > 10 * 1024 * 1024:
                raise ValidationError(_("文件不能超过 10 MB。"))
            head = f.read(5)
            f.seek(0)
            if head != b"%PDF-":
                raise ValidationError(_("请上传 PDF 文件。"))
        return f


# --------------------------------------------------------------------------- meetings

class MeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=200)
    kind = forms.ChoiceField(label=_("会议类型"), choices=Meeting.Kind.choices)
    mode = forms.ChoiceField(label=_("召开方式"), choices=Meeting.Mode.choices)
    ad_hoc = forms.BooleanField(label=_("临时会议"), required=False)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    online_url = forms.URLField(label=_("线上会议链接"), required=False, assume_scheme="https")
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME)
    convener = forms.ModelChoiceField(label=_("召集人"), queryset=User.objects.none())

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        seats = Seat.objects.filter(council=council, status=Seat.Status.ACTIVE)
        self.fields["convener"].queryset = User.objects.filter(
            Q(pk__in=seats.values("holder")) | Q(pk__in=seats.values("representative"))).order_by("name")
        chair = seats.filter(role=Seat.Role.CHAIR).first()
        if chair and not self.is_bound:
            self.initial.setdefault("convener", chair.holder_id or chair.representative_id)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        mode = data.get("mode")
        if mode in (Meeting.Mode.IN_PERSON, Meeting.Mode.HYBRID) and not data.get("place"):
            self.add_error("place", _("现场会议须填写地点。"))
        if mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID) and not data.get("online_url"):
            self.add_error("online_url", _("线上会议须填写会议链接。"))
        return data


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("议题"), max_length=200)
    description = forms.CharField(label=_("说明"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), choices=[("accept", _("同意列入")), ("reject", _("不予列入"))])


class PetitionForm(forms.Form):
    reason = forms.CharField(label=_("提议召开临时会议的理由"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


# --------------------------------------------------------------------------- motions and ballots

class CandidatesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def clean(self, value):
        value = super().clean(value) or ""
        users, seen = [], set()
        for line in value.replace("，", "\n").replace(",", "\n").splitlines():
            line = line.strip()
            if not line or line in seen:
                continue
            seen.add(line)
            user = find_account(line)
            if user is None:
                raise ValidationError(_("找不到候选人账号“%(v)s”。") % {"v": line[:60]})
            users.append(user)
        if len(users) > MAX_CANDIDATES:
            raise ValidationError(_("候选人最多 %(n)s 名。") % {"n": MAX_CANDIDATES})
        return users


class MotionForm(forms.Form):
    title = forms.CharField(label=_("议案名称"), max_length=200)
    text = forms.CharField(label=_("议案内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("议案类型"), choices=Motion.Kind.choices)
    secret = forms.BooleanField(label=_("无记名投票"), required=False)
    public = forms.BooleanField(label=_("通过后对外公布"), required=False)
    role_to_fill = forms.ChoiceField(label=_("选举职务"), required=False,
                                     choices=[("", "—"), *[(v, l) for v, l in Seat.Role.choices
                                                           if v in ("chair", "vice_chair", "secretary_general")]])
    seats_to_fill = forms.IntegerField(label=_("应选人数"), min_value=1, max_value=20, required=False)
    candidates = CandidatesField(label=_("候选人（每行一个账号邮箱或手机号）"), required=False)
    target_seat = forms.ModelChoiceField(label=_("罢免对象"), queryset=Seat.objects.none(), required=False)
    unit_application = forms.ModelChoiceField(label=_("入会申请"), queryset=UnitApplication.objects.none(),
                                              required=False)

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        self.fields["unit_application"].queryset = council.unit_applications.filter(
            status=UnitApplication.Status.SUBMITTED).order_by("-created_at")
        self.fields["unit_application"].label_from_instance = lambda a: a.unit_name
        self.fields["target_seat"].queryset = (Seat.objects.filter(
            council=council, status=Seat.Status.ACTIVE, role__in=["chair", "vice_chair", "secretary_general"])
            .select_related("holder", "unit").order_by("role", "pk"))
        self.fields["target_seat"].label_from_instance = lambda s: f"{s.get_role_display()} {s.holder or s.unit}"

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Motion.Kind.ELECTION:
            if not data.get("role_to_fill"):
                self.add_error("role_to_fill", _("选举须选择职务。"))
            if not data.get("seats_to_fill"):
                self.add_error("seats_to_fill", _("选举须填写应选人数。"))
            if not data.get("candidates"):
                self.add_error("candidates", _("选举须至少有一名候选人。"))
            elif data.get("seats_to_fill") and len(data["candidates"]) < data["seats_to_fill"]:
                self.add_error("candidates", _("候选人人数不能少于应选人数。"))
        if kind == Motion.Kind.RECALL and not data.get("target_seat"):
            self.add_error("target_seat", _("罢免须选择罢免对象。"))
        if kind == Motion.Kind.UNIT_ADMISSION and not data.get("unit_application"):
            self.add_error("unit_application", _("接纳成员单位须选择入会申请。"))
        return data

    def service_kwargs(self):
        d = self.cleaned_data
        out = {"title": d["title"], "text": d["text"], "kind": d["kind"], "secret": d["secret"],
               "public": d["public"]}
        if d["kind"] == Motion.Kind.ELECTION:
            out.update(role_to_fill=d["role_to_fill"], seats_to_fill=d["seats_to_fill"],
                       candidates=d["candidates"])
        if d["kind"] == Motion.Kind.RECALL:
            out["target_seat"] = d["target_seat"]
        if d["kind"] == Motion.Kind.UNIT_ADMISSION:
            out["unit_application"] = d["unit_application"]
        return out


class WrittenVoteForm(forms.Form):
    title = forms.CharField(label=_("议案名称"), max_length=200)
    text = forms.CharField(label=_("议案内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("议案类型"), choices=[(v, l) for v, l in Motion.Kind.choices
                                                          if v in ("ordinary", "major")])
    public = forms.BooleanField(label=_("通过后对外公布"), required=False)
    closes_at = forms.DateTimeField(label=_("投票截止时间"), widget=DATETIME)

    def clean_closes_at(self):
        value = self.cleaned_data["closes_at"]
        if value <= timezone.now():
            raise ValidationError(_("截止时间须晚于现在。"))
        return value


CHOICES = [("yes", _("赞成")), ("no", _("反对")), ("abstain", _("弃权"))]


class BallotForm(forms.Form):
    choice = forms.ChoiceField(label=_("表决意见"), choices=CHOICES, widget=forms.RadioSelect)


class ElectionBallotForm(forms.Form):
    """One yes/no/abstain per candidate."""

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for c in self.candidates:
            self.fields[f"c{c.pk}"] = forms.ChoiceField(label=c.name, choices=CHOICES, widget=forms.RadioSelect)

    def choices(self):
        return {str(c.pk): self.cleaned_data[f"c{c.pk}"] for c in self.candidates}


# --------------------------------------------------------------------------- minutes

class MinutesForm(forms.Form):
    text = forms.CharField(label=_("纪要正文"), max_length=50000, widget=forms.Textarea(attrs={"rows": 12}))


class SignForm(forms.Form):
    confirm = forms.BooleanField(label=_("我已核对纪要内容，确认以召集人身份签署；签署后纪要锁定，不能再修改。"))


AGENDA_STATUS = AgendaItem.Status
