"""Public notices (公示) of candidates and objections (异议) against them."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage, random_name


class Notice(models.Model):
    class Kind(models.TextChoices):
        ADMISSION = "admission", _("入库公示")
        ADMISSION_RESULT = "admission_result", _("入库结果公告")
        EXIT = "exit", _("出库公告")
        RENEWAL = "renewal", _("续聘公示")

    class Status(models.TextChoices):
        OPEN = "open", _("公示中")
        CLOSED = "closed", _("已结束")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ADMISSION)
    number = models.CharField(_("编号"), max_length=60, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    published_at = models.DateTimeField(_("发布时间"))
    starts_on = models.DateField(_("公示开始日"))
    ends_on = models.DateField(_("公示截止日"))
    ends_at = models.DateTimeField(_("截止时间"), help_text=_("最后一个工作日 24:00（北京时间）。"))
    provisional = models.BooleanField(_("暂定期限"), default=False,
                                      help_text=_("期限涉及尚未公布节假日安排的年份。"))
    policy_snapshot = models.JSONField(_("规则参数快照"), default=dict)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="notice_status_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="notice_period_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-published_at"]), models.Index(fields=["status", "ends_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("experts:notice-detail", args=[self.pk])


class NoticeEntry(models.Model):
    """A candidate on a notice. Public columns are a snapshot of public fields only."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("公示中")
        ADMITTED = "admitted", _("已入库")
        STOPPED = "stopped", _("异议成立")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey("experts.Application", on_delete=models.PROTECT, related_name="notice_entries")
    order = models.PositiveSmallIntegerField(default=0)
    public_name = models.CharField(_("姓名"), max_length=100)
    public_employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    public_title = models.CharField(_("职称"), max_length=100, blank=True)
    public_fields = models.CharField(_("专业领域"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        ordering = ["notice", "order", "id"]
        verbose_name = _("公示人选")
        verbose_name_plural = _("公示人选")
        constraints = [models.UniqueConstraint(fields=["notice", "application"], name="notice_entry_unique")]

    def __str__(self):
        return self.public_name


def evidence_path(instance, filename):
    return random_name(f"objections/{instance.notice_id}", filename)


class Objection(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("已收到")
        ACCEPTED = "accepted", _("已受理，调查中")
        NOT_ACCEPTED = "not_accepted", _("不予受理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    entry = models.ForeignKey(NoticeEntry, on_delete=models.PROTECT, related_name="objections")
    receipt_no = models.CharField(_("回执编号"), max_length=40, unique=True)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.FILED)
    # the objector: private, never shown publicly
    objector_name = models.CharField(_("异议人姓名或单位"), max_length=100)
    objector_contact = models.CharField(_("联系方式"), max_length=100)
    objector_email = models.EmailField(_("电子邮箱"), blank=True)
    objector_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="objections")
    facts = models.TextField(_("异议事实和理由"))
    evidence = models.FileField(_("证明材料"), upload_to=evidence_path, storage=private_storage, blank=True,
                                max_length=300)
    filed_at = models.DateTimeField(_("提交时间"))
    ip = models.GenericIPAddressField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decide_by = models.DateTimeField(_("处理期限"), null=True, blank=True)
    decide_by_provisional = models.BooleanField(default=False)
    acceptance_reason = models.TextField(_("受理意见"), blank=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理结论和理由"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        constraints = [models.CheckConstraint(condition=Q(status__in=[
            "filed", "accepted", "not_accepted", "upheld", "dismissed"]), name="objection_status_valid")]
        indexes = [models.Index(fields=["status", "decide_by"])]

    def __str__(self):
        return self.receipt_no

    @property
    def is_undecided(self):
        return self.status in (self.Status.FILED, self.Status.ACCEPTED)
