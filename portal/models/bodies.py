from fractions import Fraction

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BodyKind(models.TextChoices):
    EXPERT_COMMITTEE = "expert_committee", _("专家委员会")
    THINK_TANK = "think_tank", _("智库")
    INSPECTION_POOL = "inspection_pool", _("“双随机”检查专家库")
    LEADING_GROUP = "leading_group", _("领导小组")
    INNOVATION_COUNCIL = "innovation_council", _("创新基地理事会")


class Body(models.Model):
    """An expert pool or governance body. Its rules live on its Policy."""

    Kind = BodyKind

    key = models.SlugField(_("标识"), max_length=40, unique=True)
    name_zh = models.CharField(_("名称（中文）"), max_length=200)
    name_en = models.CharField(_("名称（英文）"), max_length=200, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    parent_org_zh = models.CharField(_("主管/管理机构（中文）"), max_length=200, blank=True)
    parent_org_en = models.CharField(_("主管/管理机构（英文）"), max_length=200, blank=True)
    summary_zh = models.TextField(_("简介（中文）"), blank=True)
    summary_en = models.TextField(_("简介（英文）"), blank=True)
    document_title_zh = models.CharField(_("依据文件"), max_length=200, blank=True)
    number_prefixes = models.JSONField(_("文号前缀"), default=list, blank=True)
    runs = models.JSONField(_("业务范围"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        constraints = [models.CheckConstraint(condition=Q(kind__in=BodyKind.values), name="body_kind_valid")]
        permissions = [
            ("view_staff_area", _("进入本机构工作台")),
            ("edit_policy", _("修改本机构规则参数")),
            ("view_audit", _("查看本机构审计日志")),
            ("approve", _("审批本机构事项")),
            ("supervise", _("监督本机构（纪委）")),
            ("take_part", _("以成员身份参加本机构活动")),
            ("serve_as_expert", _("以专家身份参加本机构活动")),
            ("manage_experts", _("管理本机构专家库（审核、公示、异议、入库）")),
            ("manage_council", _("管理本机构理事会/委员会（席位、会议、表决、纪要）")),
            ("manage_projects", _("管理本机构项目与征求意见")),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        if (get_language() or "zh-hans").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    @property
    def parent_org(self):
        if (get_language() or "zh-hans").startswith("en") and self.parent_org_en:
            return self.parent_org_en
        return self.parent_org_zh

    @property
    def summary(self):
        if (get_language() or "zh-hans").startswith("en") and self.summary_en:
            return self.summary_en
        return self.summary_zh


def _fraction_checks(prefix):
    return [
        models.CheckConstraint(condition=Q(**{f"{prefix}_den__gt": 0}), name=f"policy_{prefix}_den_positive"),
        models.CheckConstraint(condition=Q(**{f"{prefix}_num__gt": 0}), name=f"policy_{prefix}_num_positive"),
    ]


def _proper_fraction_check(prefix):
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}_num__lte": F(f"{prefix}_den")}), name=f"policy_{prefix}_at_most_one"
    )


# Fractions that must be at most 1 (shares of a group). The draw ratio may exceed 1.
PROPER_FRACTIONS = ("quorum", "pass", "major_pass", "petition", "leaders_max")
FRACTIONS = PROPER_FRACTIONS + ("draw_ratio",)


class Policy(models.Model):
    """Every number a body's rules fix. Defaults are generic; each seed body's values
    and the clauses they come from are loaded by `seed_demo` (see portal/seed_bodies.py)."""

    class MajorBase(models.TextChoices):
        ALL = "all", _("全体成员")
        PRESENT = "present", _("出席成员")

    PROPER_FRACTIONS = PROPER_FRACTIONS
    FRACTIONS = FRACTIONS

    body = models.OneToOneField(Body, on_delete=models.CASCADE, primary_key=True, related_name="policy")

    # Public notice and objections
    notice_workdays = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("入库、出库、项目立项等公示的天数，按工作日计算。"))
    count_publication_day = models.BooleanField(
        _("发布当日计入期限"), default=False,
        help_text=_("默认不计入（民法典第二百零一条：开始的当日不计入）。"))
    objection_decision_workdays = models.PositiveSmallIntegerField(
        _("异议处理时限（工作日）"), default=15, validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("自受理异议之日起作出处理决定的期限。"))
    notice_required_for_admission = models.BooleanField(_("入库须经公示"), default=False)
    unit_verification_required = models.BooleanField(_("须经所在单位核实"), default=False)

    # Membership
    term_years = models.PositiveSmallIntegerField(
        _("聘期/任期（年）"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)])
    renewal_skips_notice = models.BooleanField(_("续聘免于公示"), default=False)
    annual_enrolment = models.BooleanField(_("每年集中征集"), default=False)
    age_limit = models.PositiveSmallIntegerField(
        _("专家年龄上限"), null=True, blank=True, validators=[MinValueValidator(18), MaxValueValidator(100)])
    leader_age_limit = models.PositiveSmallIntegerField(
        _("理事长/副理事长年龄上限"), null=True, blank=True,
        validators=[MinValueValidator(18), MaxValueValidator(100)])
    change_report_workdays = models.PositiveSmallIntegerField(
        _("信息变更报告时限（工作日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)])
    proposals_per_quarter = models.PositiveSmallIntegerField(
        _("每季度建议数"), default=0, validators=[MaxValueValidator(20)])

    # Draws
    draw_ratio_num = models.PositiveSmallIntegerField(_("抽取比例（抽取人数）"), default=1)
    draw_ratio_den = models.PositiveSmallIntegerField(_("抽取比例（所需人数）"), default=1)
    rotation_consecutive_draws = models.PositiveSmallIntegerField(
        _("轮换：连续被抽中次数"), default=0, validators=[MaxValueValidator(10)],
        help_text=_("连续被抽中达到该次数的专家暂停下一次抽取；0 表示不轮换。"))
    invitation_reply_hours = models.PositiveSmallIntegerField(
        _("邀请答复时限（小时）"), default=24, validators=[MinValueValidator(1), MaxValueValidator(720)])
    unanswered_invitations_exit = models.PositiveSmallIntegerField(
        _("连续未答复邀请次数（出库情形）"), null=True, blank=True, validators=[MinValueValidator(1)])
    poor_ratings_exit = models.PositiveSmallIntegerField(
        _("聘期内“差”评次数（出库情形）"), null=True, blank=True, validators=[MinValueValidator(1)])
    unexcused_absences_exit = models.PositiveSmallIntegerField(
        _("无故缺席次数（出库情形）"), null=True, blank=True, validators=[MinValueValidator(1)])

    # Councils, meetings and votes
    quorum_num = models.PositiveSmallIntegerField(_("法定人数（分子）"), default=2)
    quorum_den = models.PositiveSmallIntegerField(_("法定人数（分母）"), default=3)
    min_vice_chairs_present = models.PositiveSmallIntegerField(
        _("最少出席副理事长人数"), default=0, validators=[MaxValueValidator(50)])
    pass_num = models.PositiveSmallIntegerField(_("一般决议通过比例（分子）"), default=2)
    pass_den = models.PositiveSmallIntegerField(_("一般决议通过比例（分母）"), default=3)
    major_pass_num = models.PositiveSmallIntegerField(_("重大事项通过比例（分子）"), default=2)
    major_pass_den = models.PositiveSmallIntegerField(_("重大事项通过比例（分母）"), default=3)
    major_base = models.CharField(
        _("重大事项计算基数"), max_length=10, choices=MajorBase.choices, default=MajorBase.ALL)
    petition_num = models.PositiveSmallIntegerField(_("提议临时会议的成员单位比例（分子）"), default=1)
    petition_den = models.PositiveSmallIntegerField(_("提议临时会议的成员单位比例（分母）"), default=3)
    leaders_max_num = models.PositiveSmallIntegerField(_("领导成员占成员单位比例上限（分子）"), default=1)
    leaders_max_den = models.PositiveSmallIntegerField(_("领导成员占成员单位比例上限（分母）"), default=3)
    agenda_lead_workdays = models.PositiveSmallIntegerField(
        _("议题提交提前量（工作日）"), default=5, validators=[MaxValueValidator(60)])
    min_assemblies_per_year = models.PositiveSmallIntegerField(
        _("每年最少全体会议次数"), default=1, validators=[MaxValueValidator(12)])
    written_vote_allowed = models.BooleanField(_("允许书面/网络表决"), default=False)
    member_absence_exit_years = models.PositiveSmallIntegerField(
        _("全年未参加活动即退出（年）"), null=True, blank=True, validators=[MinValueValidator(1)])
    poor_performance_exit_years = models.PositiveSmallIntegerField(
        _("连续履职不佳即退出（年）"), null=True, blank=True, validators=[MinValueValidator(1)])

    citations = models.JSONField(_("条款出处"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        constraints = [
            *[c for p in FRACTIONS for c in _fraction_checks(p)],
            *[_proper_fraction_check(p) for p in PROPER_FRACTIONS],
            models.CheckConstraint(condition=Q(major_base__in=["all", "present"]), name="policy_major_base_valid"),
        ]

    def __str__(self):
        return str(self.body)

    def fraction(self, prefix):
        """The exact fraction stored as `<prefix>_num/<prefix>_den`."""
        return Fraction(getattr(self, f"{prefix}_num"), getattr(self, f"{prefix}_den"))

    @classmethod
    def value_fields(cls):
        """Concrete editable rule fields (everything but the body, citations and timestamps)."""
        skip = {"body", "citations", "updated_at"}
        return [f for f in cls._meta.concrete_fields if f.name not in skip]

    def snapshot(self):
        """The values a notice, draw, meeting or vote copies when it starts."""
        return {f.name: getattr(self, f.name) for f in self.value_fields()}
