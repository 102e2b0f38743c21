"""Calls for applications, applications, their attachments and unit verification."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage, random_name


class Call(models.Model):
    """An open call (征集) of a body: open all year (no dates) or an enrolment window."""

    body = models.ForeignKey("portal.Body", on_delete=models.CASCADE, related_name="calls")
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("说明"), blank=True)
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["body", "-created_at"]
        verbose_name = _("征集")
        verbose_name_plural = _("征集")
        constraints = [models.CheckConstraint(
            condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
            name="call_window_ordered")]

    def __str__(self):
        return self.title

    def is_open(self, now=None):
        now = now or timezone.now()
        return (self.is_active and (self.opens_at is None or self.opens_at <= now)
                and (self.closes_at is None or now < self.closes_at))


class Application(models.Model):
    """One person's application to one body's pool. Flow: experts.workflows.APPLICATION_FLOW."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("退回修改")
        VERIFIED = "verified", _("单位已核实")
        FORWARDED = "forwarded", _("待审批")
        APPROVED = "approved", _("已批准")
        IN_NOTICE = "in_notice", _("公示中")
        ADMITTED = "admitted", _("已入库")
        REJECTED = "rejected", _("未通过")
        STOPPED = "stopped", _("异议成立，终止入库")
        WITHDRAWN = "withdrawn", _("已撤回")

    # Sections of the form, used for per-section return comments.
    SECTIONS = ("identity", "contact", "work", "qualifications", "fields", "cv", "interests", "attachments")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="applications")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    profile = models.ForeignKey("experts.ExpertProfile", on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    fields = models.ManyToManyField("experts.ExpertField", related_name="applications", blank=True,
                                    verbose_name=_("专业领域"))
    field_years = models.PositiveSmallIntegerField(_("所选领域从业年限"), null=True, blank=True)
    statement = models.TextField(_("申请说明"), blank=True)
    snapshot = models.JSONField(_("提交时的申请信息"), default=dict, blank=True)
    eligibility = models.JSONField(_("资格审查结果"), default=list, blank=True)
    return_comments = models.JSONField(_("退回意见"), default=dict, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    age_exemption_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name=_("年龄豁免批准人"))
    age_exemption_reason = models.CharField(_("年龄豁免理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        verbose_name = _("入库申请")
        verbose_name_plural = _("入库申请")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[
                "draft", "submitted", "returned", "verified", "forwarded", "approved", "in_notice", "admitted",
                "rejected", "stopped", "withdrawn"]), name="application_status_valid"),
            models.UniqueConstraint(
                fields=["body", "applicant"],
                condition=Q(status__in=["draft", "submitted", "returned", "verified", "forwarded", "approved",
                                        "in_notice"]),
                name="one_live_application_per_body"),
        ]
        indexes = [
            models.Index(fields=["body", "status", "-submitted_at"]),
            models.Index(fields=["body", "-submitted_at", "-id"], name="application_queue_order"),
        ]

    def __str__(self):
        return f"{self.profile.name} → {self.body.key}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("experts:application-detail", args=[self.pk])


def attachment_path(instance, filename):
    return random_name(f"applications/{instance.application.body.key}/{instance.application_id}", filename)


class Attachment(models.Model):
    """A private file (PDF/JPG/PNG) of an application, served only through a permission-checked view."""

    class Kind(models.TextChoices):
        ID_COPY = "id_copy", _("身份证件复印件")
        TITLE_CERT = "title_cert", _("职称证书")
        DEGREE_CERT = "degree_cert", _("学位/学历证书")
        LICENCE = "licence", _("执业资格证书")
        OTHER = "other", _("其他证明材料")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, storage=private_storage, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "kind", "uploaded_at"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name


def unit_letter_path(instance, filename):
    return random_name(f"unit-letters/{instance.application_id}", filename)


class UnitVerification(models.Model):
    """The applicant's employer confirmed the statements (xx-random: 所在单位核实)."""

    class Method(models.TextChoices):
        LETTER = "letter", _("单位书面函件")
        PHONE = "phone", _("电话核实")
        VISIT = "visit", _("实地核实")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="unit_verification")
    unit_name = models.CharField(_("核实单位"), max_length=200)
    verifier_name = models.CharField(_("单位核实人"), max_length=100)
    method = models.CharField(_("核实方式"), max_length=10, choices=Method.choices)
    letter = models.FileField(_("单位函件"), upload_to=unit_letter_path, storage=private_storage, blank=True,
                              max_length=300)
    notes = models.TextField(_("核实情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("单位核实")
        verbose_name_plural = _("单位核实")
