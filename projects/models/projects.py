"""Innovation-base projects (创新项目): application → office review (→ council) → public
notice with join requests and objections → implementation (working group, milestones,
progress reports, documents, adjustments) → closing report and review → archive.

Units: an `Organisation` is a participating unit of the base that holds accounts on the
portal (成员单位). Partner units named in an application are plain strings (`unit_name`,
`unit_key`) so a partner need not hold an account; a unit that joins through a join
request is linked by its Organisation."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from experts.storage import private_storage, random_name

__all__ = [
    "ProjectSettings", "Organisation", "Project", "Milestone", "ProgressReport", "TeamMember", "Partner",
    "BudgetLine", "ProjectDocument", "JoinRequest", "ProjectObjection", "Adjustment", "ProjectVersion",
    "Announcement", "Output", "OutputKind", "ClosingReport", "ClosingReview",
]


class ProjectSettings(models.Model):
    """Per-body project rules (defaults from the body's policy where it has them)."""

    body = models.OneToOneField("portal.Body", on_delete=models.CASCADE, primary_key=True,
                                related_name="project_settings")
    requires_council_decision = models.BooleanField(
        _("立项须经理事会决议"), default=False,
        help_text=_("勾选后，办公室同意立项的项目须经理事会表决通过后才公示。"))
    notice_workdays = models.PositiveSmallIntegerField(
        _("立项公示期（工作日）"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("留空则使用机构规则参数中的公示期。"))
    closing_review_min_reviewers = models.PositiveSmallIntegerField(
        _("结题评审最少评审人数"), default=2, validators=[MinValueValidator(1), MaxValueValidator(15)])
    closing_pass_score = models.PositiveSmallIntegerField(
        _("结题评审合格分"), default=60, validators=[MaxValueValidator(100)])
    reminder_days_before = models.PositiveSmallIntegerField(
        _("里程碑到期前提醒（天）"), default=7, validators=[MaxValueValidator(60)])
    number_prefix = models.CharField(_("项目编号前缀"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("项目管理设置")
        verbose_name_plural = _("项目管理设置")

    def __str__(self):
        return str(self.body)

    def effective_notice_workdays(self):
        return self.notice_workdays or self.body.policy.notice_workdays


class Organisation(models.Model):
    """A participating unit of the base holding portal accounts (成员单位)."""

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="project_organisations")
    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="project_organisations",
                                     verbose_name=_("账号"))

    class Meta:
        ordering = ["body", "name"]
        verbose_name = _("参与单位")
        verbose_name_plural = _("参与单位")
        constraints = [models.UniqueConstraint(fields=["body", "name"], name="project_org_unique_name")]

    def __str__(self):
        return self.name


class OutputKind(models.TextChoices):
    STANDARD = "standard", _("标准")
    REPORT = "report", _("研究报告")
    PILOT = "pilot", _("试点示范")
    PATENT = "patent", _("专利")
    OTHER = "other", _("其他")


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交，待审核")
        RETURNED = "returned", _("退回修改")
        REJECTED = "rejected", _("未通过")
        AWAITING_COUNCIL = "awaiting_council", _("待理事会决议")
        IN_NOTICE = "in_notice", _("立项公示中")
        STOPPED = "stopped", _("公示异议成立，终止立项")
        IN_PROGRESS = "in_progress", _("实施中")
        TERMINATION_PENDING = "termination_pending", _("终止申请审批中")
        TERMINATED = "terminated", _("已终止")
        CLOSING = "closing", _("结题评审中")
        REVISION = "revision", _("结题需修改")
        CLOSED = "closed", _("已结题")
        FAILED = "failed", _("结题未通过")
        ARCHIVED = "archived", _("已归档")

    class Field(models.TextChoices):
        ECOLOGY = "ecology", _("生态环境")
        AGRICULTURE = "agriculture", _("绿色农业")
        INDUSTRY = "industry", _("绿色制造")
        ENERGY = "energy", _("能源与低碳")
        SERVICE = "service", _("服务与管理")
        OTHER = "other", _("其他")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        ACCEPTED = "accepted", _("通过")
        REVISION = "revision", _("需修改")
        FAILED = "failed", _("不通过")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="projects")
    number = models.CharField(_("项目编号"), max_length=40, blank=True)
    title = models.CharField(_("项目名称"), max_length=200)
    field = models.CharField(_("领域"), max_length=20, choices=Field.choices, default=Field.OTHER)
    goals = models.TextField(_("项目目标"), blank=True)
    expected_outputs = models.TextField(_("预期成果"), blank=True,
                                        help_text=_("如标准、研究报告、试点示范等。"))
    budget_sources = models.TextField(_("经费来源"), blank=True)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    lead_name = models.CharField(_("项目负责人"), max_length=100, blank=True)
    owner_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="owned_projects",
                                  verbose_name=_("申报单位"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    year = models.PositiveSmallIntegerField(_("立项年度"), null=True, blank=True)
    return_reason = models.TextField(_("退回意见"), blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)
    council_motion_ref = models.CharField(_("理事会议题"), max_length=100, blank=True)
    notice_starts_on = models.DateField(_("公示开始日"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示截止日"), null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("公示截止时间"), null=True, blank=True)
    notice_provisional = models.BooleanField(default=False)
    notice_snapshot = models.JSONField(_("规则参数快照"), default=dict, blank=True)
    termination_reason = models.TextField(_("终止理由"), blank=True)
    termination_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                 on_delete=models.SET_NULL, related_name="+")
    closing_outcome = models.CharField(_("结题结论"), max_length=10, choices=Outcome.choices, blank=True, default="")
    closing_reason = models.TextField(_("结题意见"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("实施开始"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[
                "draft", "submitted", "returned", "rejected", "awaiting_council", "in_notice", "stopped",
                "in_progress", "termination_pending", "terminated", "closing", "revision", "closed", "failed",
                "archived"]), name="project_status_valid"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")), name="project_period_ordered"),
        ]
        indexes = [models.Index(fields=["body", "status", "-created_at"]),
                   models.Index(fields=["status", "notice_ends_at"])]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.pk])

    @property
    def is_archived(self):
        return self.status == self.Status.ARCHIVED


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("里程碑"), max_length=200)
    due_on = models.DateField(_("到期日"))
    done_on = models.DateField(_("完成日"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0, validators=[MaxValueValidator(100)])
    reminded_before_on = models.DateField(null=True, blank=True)
    reminded_after_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "order", "due_on", "id"]
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="milestone_progress_max")]
        indexes = [models.Index(fields=["due_on", "done_on"])]

    def __str__(self):
        return self.title


class ProgressReport(models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("进展情况"))
    progress = models.PositiveSmallIntegerField(_("完成进度（%）"), validators=[MaxValueValidator(100)])
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("提交时间"))

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")


class TeamMember(models.Model):
    """A member of the project team / working group (工作小组)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("负责人")
        CORE = "core", _("主要参与人员")
        MEMBER = "member", _("成员")
        LIAISON = "liaison", _("联络人")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("姓名"), max_length=100)
    unit_name = models.CharField(_("所在单位"), max_length=200)
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    duty = models.CharField(_("分工"), max_length=200, blank=True)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("工作小组成员")
        verbose_name_plural = _("工作小组成员")

    def __str__(self):
        return self.name


class Partner(models.Model):
    """A partner unit: named in the application, or joined through an accepted join request."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    unit_name = models.CharField(_("合作单位"), max_length=200)
    unit_key = models.CharField(_("单位标识"), max_length=60, blank=True,
                                help_text=_("统一社会信用代码或成员单位标识，用于统计。"))
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="partnerships")
    role = models.CharField(_("角色"), max_length=100, blank=True)
    contribution = models.TextField(_("承担工作/贡献"), blank=True)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("合作单位")
        verbose_name_plural = _("合作单位")

    def __str__(self):
        return self.unit_name


class BudgetLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    item = models.CharField(_("科目"), max_length=100)
    amount = models.DecimalField(_("金额（万元）"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("预算")
        verbose_name_plural = _("预算")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative")]


def document_path(instance, filename):
    return random_name(f"projects/{instance.project_id}", filename)


class ProjectDocument(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", _("申报材料")
        IMPLEMENTATION = "implementation", _("实施文档")
        CLOSING = "closing", _("结题材料")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.APPLICATION)
    title = models.CharField(_("名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to=document_path, storage=private_storage, max_length=300)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["project", "kind", "uploaded_at", "id"]
        verbose_name = _("项目文档")
        verbose_name_plural = _("项目文档")

    def __str__(self):
        return self.title


class JoinRequest(models.Model):
    """Another unit asks to join a project during its public notice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待申报单位处理")
        ACCEPTED = "accepted", _("申报单位同意，待办公室确认")
        DECLINED = "declined", _("申报单位谢绝")
        CONFIRMED = "confirmed", _("已确认加入")
        REFUSED = "refused", _("办公室未确认")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="join_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="join_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("拟承担角色"), max_length=100)
    contribution = models.TextField(_("拟贡献内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("处理意见"), blank=True)
    requested_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["project", "requested_at", "id"]
        verbose_name = _("加入申请")
        verbose_name_plural = _("加入申请")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "accepted", "declined", "confirmed", "refused"]),
                                   name="join_request_status_valid"),
            models.UniqueConstraint(fields=["project", "organisation"],
                                    condition=Q(status__in=["pending", "accepted", "confirmed"]),
                                    name="join_request_one_live_per_unit"),
        ]


class ProjectObjection(models.Model):
    """A public objection to a project notice. The objector's identity is private."""

    class Status(models.TextChoices):
        FILED = "filed", _("已收到")
        ACCEPTED = "accepted", _("已受理，调查中")
        NOT_ACCEPTED = "not_accepted", _("不予受理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    UNDECIDED = ("filed", "accepted")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="objections")
    receipt_no = models.CharField(_("回执编号"), max_length=40, unique=True)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.FILED)
    objector_name = models.CharField(_("异议人姓名或单位"), max_length=100)
    objector_contact = models.CharField(_("联系方式"), max_length=100)
    facts = models.TextField(_("异议事实和理由"))
    filed_at = models.DateTimeField(_("提交时间"))
    ip = models.GenericIPAddressField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decide_by = models.DateTimeField(_("处理期限"), null=True, blank=True,
                                     help_text=_("受理之日起按规则参数的异议处理时限（工作日）计算。"))
    decide_by_provisional = models.BooleanField(default=False)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理结论和理由"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("项目公示异议")
        verbose_name_plural = _("项目公示异议")
        constraints = [models.CheckConstraint(
            condition=Q(status__in=["filed", "accepted", "not_accepted", "upheld", "dismissed"]),
            name="project_objection_status_valid")]


class Adjustment(models.Model):
    class Kind(models.TextChoices):
        SCOPE = "scope", _("研究内容")
        TIMELINE = "timeline", _("进度安排")
        MEMBERS = "members", _("人员")
        BUDGET = "budget", _("经费")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("调整类型"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("调整理由"))
    changes = models.JSONField(_("调整内容"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)

    class Meta:
        ordering = ["project", "-requested_at", "-id"]
        verbose_name = _("调整申请")
        verbose_name_plural = _("调整申请")
        constraints = [models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected"]),
                                              name="adjustment_status_valid")]


class ProjectVersion(models.Model):
    """A frozen copy of the project after each approved change (version 1: at approval)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    snapshot = models.JSONField(_("项目内容"))
    changed = models.JSONField(_("变更内容"), default=dict)
    summary = models.CharField(_("说明"), max_length=300, blank=True)
    adjustment = models.ForeignKey(Adjustment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="versions")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("项目版本")
        verbose_name_plural = _("项目版本")
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="project_version_unique")]


class Announcement(models.Model):
    """A public announcement of a project (approval notice, termination, closing)."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("立项公示")
        TERMINATION = "termination", _("终止公告")
        CLOSING = "closing", _("结题公告")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="announcements")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"), blank=True)
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("项目公告")
        verbose_name_plural = _("项目公告")
        indexes = [models.Index(fields=["-published_at"])]


class Output(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(_("成果类型"), max_length=10, choices=OutputKind.choices)
    title = models.CharField(_("成果名称"), max_length=200)
    reference = models.CharField(_("编号/出处"), max_length=100, blank=True)
    published = models.BooleanField(_("已发布/已实施"), default=False)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("项目成果")
        verbose_name_plural = _("项目成果")


class ClosingReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="closing_reports")
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    summary = models.TextField(_("结题报告"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    draw = models.ForeignKey("experts.Draw", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("评审专家抽取"))

    class Meta:
        ordering = ["project", "-round"]
        verbose_name = _("结题报告")
        verbose_name_plural = _("结题报告")
        constraints = [models.UniqueConstraint(fields=["project", "round"], name="closing_report_round_unique")]


class ClosingReview(models.Model):
    report = models.ForeignKey(ClosingReport, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_reviews")
    score = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True, validators=[MaxValueValidator(100)])
    comments = models.TextField(_("评审意见"), blank=True)
    submitted_at = models.DateTimeField(_("评审时间"), null=True, blank=True)

    class Meta:
        ordering = ["report", "id"]
        verbose_name = _("结题评审")
        verbose_name_plural = _("结题评审")
        constraints = [
            models.UniqueConstraint(fields=["report", "reviewer"], name="closing_review_unique"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="closing_score_max"),
        ]
