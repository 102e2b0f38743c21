"""Motions, candidates, ballots and resolutions."""
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Motion(models.Model):
    """A matter put to the vote. `rule`, `roster`, `members_count` and `present_count` are
    frozen when it opens; `tally` and `result` when it closes."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("一般事项")
        MAJOR = "major", _("重大事项")
        ELECTION = "election", _("选举")
        RECALL = "recall", _("罢免")
        UNIT_ADMISSION = "unit_admission", _("接纳成员单位")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_CHAIR = "pending_chair", _("待理事长批准")
        OPEN = "open", _("表决中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    class Result(models.TextChoices):
        PASSED = "passed", _("通过")
        FAILED = "failed", _("未通过")

    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="motions")
    meeting = models.ForeignKey("councils.Meeting", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="motions", verbose_name=_("会议"))
    number = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("议案名称"), max_length=200)
    text = models.TextField(_("议案内容"), blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    secret = models.BooleanField(_("无记名投票"), default=False)
    written = models.BooleanField(_("书面/网络表决"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("计划开始时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("开始表决时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("表决截止时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    rule = models.JSONField(_("表决规则（冻结）"), default=dict, blank=True)
    roster = models.JSONField(_("表决名册（冻结）"), default=list, blank=True)
    roster_hash = models.CharField(_("名册与规则哈希"), max_length=64, blank=True)
    members_count = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    present_count = models.PositiveIntegerField(_("实到人数"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, blank=True)
    tally = models.JSONField(_("计票结果"), default=dict, blank=True)
    public = models.BooleanField(_("公开决议"), default=False)
    chair_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    target_seat = models.ForeignKey("councils.Seat", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("罢免对象"))
    unit_application = models.ForeignKey("councils.UnitApplication", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    seats_to_fill = models.PositiveSmallIntegerField(_("应选人数"), default=0)
    role_to_fill = models.CharField(_("选举职务"), max_length=20, blank=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("议案")
        verbose_name_plural = _("议案")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending_chair", "open", "closed", "cancelled"]),
                name="motion_status_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["ordinary", "major", "election", "recall", "unit_admission"]),
                name="motion_kind_valid"),
            models.CheckConstraint(condition=Q(result__in=["", "passed", "failed"]), name="motion_result_valid"),
            models.UniqueConstraint(fields=["council", "number"], name="motion_number_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "closes_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("councils:motion-detail", args=[self.pk])

    @property
    def body(self):
        return self.council.body


class Candidate(models.Model):
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="candidates")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    unit = models.ForeignKey("councils.MemberUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    name = models.CharField(_("候选人"), max_length=200)
    role = models.CharField(_("职务"), max_length=20, blank=True)

    class Meta:
        ordering = ["motion", "pk"]
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")

    def __str__(self):
        return self.name


class Ballot(models.Model):
    class Choice(models.TextChoices):
        YES = "yes", _("同意")
        NO = "no", _("反对")
        ABSTAIN = "abstain", _("弃权")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="ballots")
    seat = models.ForeignKey("councils.Seat", on_delete=models.PROTECT, related_name="ballots")
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("表决意见"), max_length=10, choices=Choice.choices, blank=True)
    choices = models.JSONField(_("选举意见"), default=dict, blank=True,
                               help_text=_("选举：{候选人ID: yes|no|abstain}"))
    cast_at = models.DateTimeField(_("投票时间"))
    changed_at = models.DateTimeField(_("修改时间"), null=True, blank=True)
    changes = models.PositiveSmallIntegerField(_("修改次数"), default=0)

    class Meta:
        ordering = ["motion", "cast_at"]
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        constraints = [
            models.UniqueConstraint(fields=["motion", "seat"], name="ballot_one_per_seat"),
            models.CheckConstraint(condition=Q(choice__in=["", "yes", "no", "abstain"]), name="ballot_choice_valid"),
        ]


class Resolution(models.Model):
    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="resolutions")
    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="resolution")
    year = models.PositiveSmallIntegerField(_("年份"))
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("决议文号"), max_length=80)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"), blank=True)
    public = models.BooleanField(_("公开"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("形成时间"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-seq"]
        verbose_name = _("决议")
        verbose_name_plural = _("决议")
        constraints = [models.UniqueConstraint(fields=["council", "year", "seq"], name="resolution_seq_unique")]
        indexes = [models.Index(fields=["public", "-published_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("councils:resolution-detail", args=[self.pk])
