"""Random draws (随机抽取) of experts for an engagement, their invitations, bookings,
designations (指定) and the evaluations after the engagement. Rules: experts.draws."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage, random_name


def exclusion_letter_path(instance, filename):
    return random_name(f"draws/{instance.body.key}", filename)


class Draw(models.Model):
    """A draw request and, once run, its frozen, verifiable record."""

    class Purpose(models.TextChoices):
        INSPECTION = "inspection", _("检查")
        REVIEW = "review", _("评审")
        EVALUATION = "evaluation", _("评估")
        ACCEPTANCE = "acceptance", _("验收")
        CONSULTATION = "consultation", _("咨询论证")
        OTHER = "other", _("其他")

    class Mode(models.TextChoices):
        RANDOM = "random", _("随机抽取")
        DESIGNATED = "designated", _("指定专家")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        COMMITTED = "committed", _("已冻结专家池，待输入公开随机数")
        INVITING = "inviting", _("已抽取，邀请中")
        COMPLETE = "complete", _("专家组已齐")
        EXHAUSTED = "exhausted", _("符合条件的专家不足")
        PENDING_APPROVAL = "pending_approval", _("指定待审批")
        REJECTED = "rejected", _("指定未获批准")
        CANCELLED = "cancelled", _("已取消")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="draws")
    number = models.CharField(_("编号"), max_length=60, unique=True)
    mode = models.CharField(_("方式"), max_length=12, choices=Mode.choices, default=Mode.RANDOM)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    title = models.CharField(_("事项名称"), max_length=200)
    # the engagement
    reviewed_unit = models.CharField(_("被检查/评审单位"), max_length=200)
    partner_units = models.JSONField(_("合作单位"), default=list, blank=True)
    project_participants = models.JSONField(_("项目参与人员"), default=list, blank=True,
                                            help_text=_("被评审项目的参与人员姓名，参与人回避。"))
    engagement_start = models.DateField(_("开始日期"))
    engagement_end = models.DateField(_("结束日期"))
    place = models.CharField(_("地点"), max_length=200)
    needed = models.PositiveSmallIntegerField(_("所需专家人数"))
    needs_by_field = models.JSONField(
        _("按领域人数"), default=dict, blank=True,
        help_text=_("混合专业时按领域代码分配人数，如 {\"finance-audit\": 1, \"industry-tech\": 2}；合计须等于所需人数。"))
    # conditions
    fields = models.ManyToManyField("experts.ExpertField", blank=True, related_name="draws",
                                    verbose_name=_("专业领域条件"))
    min_title_level = models.CharField(_("最低职称等级"), max_length=20, blank=True)
    regions = models.JSONField(_("地区条件"), default=list, blank=True)
    employer_types = models.JSONField(_("单位性质条件"), default=list, blank=True)
    # recusal settings
    excluded_experts = models.ManyToManyField("experts.Expert", blank=True, related_name="+",
                                              verbose_name=_("被检查单位书面申请回避的专家"))
    exclusion_letter = models.FileField(_("书面回避申请"), upload_to=exclusion_letter_path, storage=private_storage,
                                        blank=True, max_length=300)
    reply_hours = models.PositiveSmallIntegerField(_("邀请答复时限（小时）"))
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervised_draws",
                                   verbose_name=_("监督人"))
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="operated_draws",
                                 verbose_name=_("经办人"))
    # designation (指定) instead of a draw
    designation_reason = models.TextField(_("指定理由"), blank=True)
    designation_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    designation_decided_at = models.DateTimeField(null=True, blank=True)
    designation_decision_note = models.TextField(blank=True)
    # the frozen record (experts.draws.fairness)
    policy_snapshot = models.JSONField(default=dict, blank=True)
    pool = models.JSONField(_("冻结的专家池"), default=list, blank=True, help_text=_("排序后的专家编号。"))
    exclusions = models.JSONField(_("排除及理由"), default=dict, blank=True)
    # record v3: the active members considered at the freeze (pool + listed exclusions + those that
    # did not meet the conditions, who are counted, not listed); empty for v1/v2 records
    pool_members = models.PositiveIntegerField(_("参与筛选的在库专家"), null=True, blank=True)
    pool_hash = models.CharField(max_length=64, blank=True)
    secret = models.CharField(max_length=64, blank=True)
    secret_hash = models.CharField(max_length=64, blank=True)
    entropy = models.CharField(_("公开随机数"), max_length=200, blank=True)
    entropy_source = models.CharField(_("随机数来源"), max_length=200, blank=True)
    entropy_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    seed = models.CharField(max_length=64, blank=True)
    picks = models.JSONField(_("抽取顺序记录"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("专家抽取")
        verbose_name_plural = _("专家抽取")
        constraints = [
            models.CheckConstraint(condition=Q(engagement_end__gte=models.F("engagement_start")),
                                   name="draw_engagement_ordered"),
            models.CheckConstraint(condition=Q(needed__gte=1), name="draw_needs_someone"),
            models.CheckConstraint(condition=Q(status__in=[
                "draft", "committed", "inviting", "complete", "exhausted", "pending_approval", "rejected",
                "cancelled"]), name="draw_status_valid"),
            models.CheckConstraint(condition=Q(mode__in=["random", "designated"]), name="draw_mode_valid"),
        ]
        indexes = [models.Index(fields=["body", "status", "-created_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("experts:draw-detail", args=[self.body.key, self.pk])


class Invitation(models.Model):
    """One expert drawn (or designated) for a draw, and their answer."""

    class Status(models.TextChoices):
        INVITED = "invited", _("已邀请，待答复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")
        CONFLICT = "conflict", _("申报回避")
        EXPIRED = "expired", _("逾期未答复")
        CANCELLED = "cancelled", _("已取消")

    class Attendance(models.TextChoices):
        PRESENT = "present", _("出席")
        EXCUSED = "excused", _("请假")
        UNEXCUSED = "unexcused", _("无故缺席")

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        FAIR = "fair", _("一般")
        POOR = "poor", _("差")

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="invitations")
    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="invitations")
    rank = models.PositiveIntegerField(_("抽取序位"), null=True, blank=True)
    field_code = models.CharField(max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(_("邀请时间"))
    reply_by = models.DateTimeField(_("答复期限"))
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply_channel = models.CharField(max_length=20, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    attendance = models.CharField(_("出席情况"), max_length=10, choices=Attendance.choices, blank=True)
    rating = models.CharField(_("评价"), max_length=10, choices=Rating.choices, blank=True)
    scores = models.JSONField(_("分项评分"), default=dict, blank=True)
    rating_note = models.TextField(_("评价说明"), blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["draw", "rank", "id"]
        verbose_name = _("抽取邀请")
        verbose_name_plural = _("抽取邀请")
        constraints = [
            models.UniqueConstraint(fields=["draw", "expert"], name="invitation_once_per_draw"),
            models.CheckConstraint(condition=Q(status__in=[
                "invited", "accepted", "declined", "conflict", "expired", "cancelled"]),
                name="invitation_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "reply_by"]), models.Index(fields=["expert", "-invited_at"])]

    def __str__(self):
        return f"{self.draw.number} · {self.expert}"


class Booking(models.Model):
    """An expert is engaged on a day. The unique (expert, day) constraint is what makes
    parallel draws unable to book one expert twice for overlapping dates."""

    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="bookings")
    day = models.DateField()
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="bookings")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["expert", "day"], name="booking_one_engagement_a_day")]


class ExitTrigger(models.Model):
    """A computed reason to consider an expert's exit (never acted on silently): recorded
    here with its evidence for the pool-lifecycle work (exit proposals)."""

    class Kind(models.TextChoices):
        UNANSWERED = "unanswered", _("连续未答复邀请")
        POOR_RATINGS = "poor_ratings", _("聘期内评价为“差”")
        UNEXCUSED_ABSENCES = "unexcused_absences", _("无故缺席")
        AGE = "age", _("超过年龄上限")
        VIOLATION = "violation", _("违规行为")

    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="exit_triggers")
    kind = models.CharField(_("情形"), max_length=20, choices=Kind.choices)
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("发现时间"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("出库情形")
        verbose_name_plural = _("出库情形")
        constraints = [models.UniqueConstraint(fields=["expert", "kind"], condition=Q(resolved_at__isnull=True),
                                               name="one_open_trigger_per_kind")]
