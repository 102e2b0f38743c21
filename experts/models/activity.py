"""What an admitted expert does while in the pool: changes of information (信息变更报告),
quarterly proposals (建议) and their reminders, prior reports (报备) before acting in the
committee's name, training sessions with enrolment and attendance, and the annual
assessment (年度考核). Rules: experts.services.{changes,proposals,reports,training,assessment}."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage, random_name


def change_proof_path(instance, filename):
    return random_name("changes", filename)


def proposal_attachment_path(instance, filename):
    return random_name("proposals", filename)


class ChangeReport(models.Model):
    """A change of employer, position or title, reported by the expert (with proof) or
    recorded by staff who noticed it. Due `change_report_workdays` working days after the
    effective date; a report filed later is flagged late. Applied to the profile (and the
    public snapshot of every membership) when staff acknowledge it."""

    class Kind(models.TextChoices):
        EMPLOYER = "employer", _("工作单位")
        POSITION = "position", _("职务")
        TITLE = "title", _("专业技术职称")

    class Status(models.TextChoices):
        FILED = "filed", _("待确认")
        ACKNOWLEDGED = "acknowledged", _("已确认")

    class Source(models.TextChoices):
        EXPERT = "expert", _("专家报告")
        STAFF = "staff", _("工作人员发现")

    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="change_reports")
    kind = models.CharField(_("变更事项"), max_length=10, choices=Kind.choices)
    old_value = models.CharField(_("变更前"), max_length=200, blank=True)
    new_value = models.CharField(_("变更后"), max_length=200)
    new_title_level = models.CharField(_("变更后职称等级"), max_length=20, blank=True)
    effective_date = models.DateField(_("变更生效日期"))
    proof = models.FileField(_("证明材料"), upload_to=change_proof_path, storage=private_storage, blank=True,
                             max_length=300)
    note = models.TextField(_("说明"), blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.EXPERT)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.FILED)
    due_date = models.DateField(_("报告期限（最后一个工作日）"))
    due_provisional = models.BooleanField(default=False)
    filed_at = models.DateTimeField(_("报告时间"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField(_("逾期报告"), default=False)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("信息变更报告")
        verbose_name_plural = _("信息变更报告")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["employer", "position", "title"]), name="change_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=["filed", "acknowledged"]), name="change_status_valid"),
            models.CheckConstraint(condition=Q(source__in=["expert", "staff"]), name="change_source_valid"),
        ]
        indexes = [models.Index(fields=["status", "-filed_at"])]

    def __str__(self):
        return f"{self.expert.public_name} · {self.get_kind_display()}"


class Proposal(models.Model):
    """A proposal (工作设想及建议) submitted alone or jointly; each author gets credit for the
    quarter (by the Beijing date of submission)."""

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("建议内容"))
    attachment = models.FileField(_("附件"), upload_to=proposal_attachment_path, storage=private_storage,
                                  blank=True, max_length=300)
    authors = models.ManyToManyField("experts.Expert", through="ProposalAuthor", related_name="proposals")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("工作建议")
        verbose_name_plural = _("工作建议")
        constraints = [models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="proposal_quarter_valid")]
        indexes = [models.Index(fields=["body", "year", "quarter"])]

    def __str__(self):
        return self.title


class ProposalAuthor(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="credits")
    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="proposal_credits")
    is_lead = models.BooleanField(_("主要提出人"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "expert"], name="proposal_author_once")]


class ProposalReminder(models.Model):
    """One reminder per expert, quarter and kind: what makes the beat task idempotent."""

    class Kind(models.TextChoices):
        START = "start", _("季度开始提醒")
        END = "end", _("季度末提醒")

    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="proposal_reminders")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=5, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expert", "year", "quarter", "kind"], name="proposal_reminder_once"),
            models.CheckConstraint(condition=Q(kind__in=["start", "end"]), name="proposal_reminder_kind_valid"),
        ]


class PriorReport(models.Model):
    """报备: filed before the expert acts externally in the committee's name."""

    class Activity(models.TextChoices):
        TALK = "talk", _("讲座、演讲")
        ARTICLE = "article", _("发表文章")
        CONSULTATION = "consultation", _("咨询服务")
        MEDIA = "media", _("接受采访")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        FILED = "filed", _("待处理")
        ACKNOWLEDGED = "acknowledged", _("已知悉")
        OBJECTED = "objected", _("有异议")

    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="prior_reports")
    activity = models.CharField(_("活动类型"), max_length=15, choices=Activity.choices)
    title = models.CharField(_("事项"), max_length=200)
    starts_on = models.DateField(_("活动日期"))
    place = models.CharField(_("地点或媒体"), max_length=200)
    audience = models.CharField(_("对象"), max_length=200)
    description = models.TextField(_("内容概要"), blank=True)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.FILED)
    filed_at = models.DateTimeField(_("报备时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("对外活动报备")
        verbose_name_plural = _("对外活动报备")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["filed", "acknowledged", "objected"]),
                                   name="prior_report_status_valid"),
            models.CheckConstraint(condition=Q(activity__in=["talk", "article", "consultation", "media", "other"]),
                                   name="prior_report_activity_valid"),
        ]

    def __str__(self):
        return self.title


class TrainingSession(models.Model):
    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="training_sessions")
    topic = models.CharField(_("培训主题"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("名额"))
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="training_capacity_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="training_time_ordered"),
        ]

    def __str__(self):
        return self.topic


class TrainingEnrolment(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="enrolments")
    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="training_enrolments")
    enrolled_at = models.DateTimeField(_("报名时间"))
    attended = models.BooleanField(_("已参加"), null=True, blank=True)

    class Meta:
        ordering = ["session", "enrolled_at"]
        constraints = [models.UniqueConstraint(fields=["session", "expert"], name="training_enrol_once")]


class AssessmentRound(models.Model):
    """A body's yearly assessment (年度考核): one row per active expert, reviewed, then signed off."""

    class Status(models.TextChoices):
        OPEN = "open", _("考核中")
        SIGNED_OFF = "signed_off", _("已签批")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="assessment_rounds")
    year = models.PositiveSmallIntegerField(_("考核年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["body", "-year"]
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        constraints = [
            models.UniqueConstraint(fields=["body", "year"], name="assessment_round_once_a_year"),
            models.CheckConstraint(condition=Q(status__in=["open", "signed_off"]), name="assessment_status_valid"),
        ]

    def __str__(self):
        return f"{self.body} {self.year}"


class AssessmentRow(models.Model):
    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        COMPETENT = "competent", _("称职")
        BASIC = "basic", _("基本称职")
        INCOMPETENT = "incompetent", _("不称职")

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="rows")
    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="assessment_rows")
    engagements = models.PositiveIntegerField(_("参加活动"), default=0)
    rated_excellent = models.PositiveIntegerField(_("优秀"), default=0)
    rated_fair = models.PositiveIntegerField(_("一般"), default=0)
    rated_poor = models.PositiveIntegerField(_("差"), default=0)
    unexcused_absences = models.PositiveIntegerField(_("无故缺席"), default=0)
    trainings = models.PositiveIntegerField(_("参加培训"), default=0)
    proposals = models.PositiveIntegerField(_("提出建议"), default=0)
    grade = models.CharField(_("考核等次"), max_length=12, choices=Grade.choices, blank=True)
    comment = models.TextField(_("考核意见"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "expert__certificate_no"]
        constraints = [
            models.UniqueConstraint(fields=["round", "expert"], name="assessment_row_once"),
            models.CheckConstraint(condition=Q(grade__in=["", "excellent", "competent", "basic", "incompetent"]),
                                   name="assessment_grade_valid"),
        ]
