"""After admission: exit reasons (per body, as data), exit cases (出库), term reminders and
renewals (续聘). Flows: experts.workflows.EXIT_FLOW and RENEWAL_FLOW."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage, random_name
from .pool import _localized


class ExitReason(models.Model):
    """One reason for leaving a body's pool, with the clause of the body's rules it comes
    from. `trigger_kind` links a computed ExitTrigger kind to the reason it proposes."""

    body = models.ForeignKey("portal.Body", on_delete=models.CASCADE, related_name="exit_reasons")
    code = models.SlugField(_("代码"), max_length=40)
    label_zh = models.CharField(_("出库情形"), max_length=200)
    label_en = models.CharField(_("出库情形（英文）"), max_length=200, blank=True)
    clause = models.TextField(_("依据条款"), blank=True, help_text=_("原文引用。"))
    order = models.PositiveSmallIntegerField(default=0)
    is_voluntary = models.BooleanField(_("本人申请"), default=False)
    trigger_kind = models.CharField(_("对应的自动提示"), max_length=20, blank=True,
                                    help_text=_("系统发现该情形时（如连续未答复邀请）据此提出出库建议。"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["body", "order", "id"]
        verbose_name = _("出库情形")
        verbose_name_plural = _("出库情形")
        constraints = [models.UniqueConstraint(fields=["body", "code"], name="exit_reason_code_unique")]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return _localized(self, "label")


def exit_evidence_path(instance, filename):
    return random_name(f"exits/{instance.body_id}", filename)


class ExitCase(models.Model):
    """An exit proposal for one membership: opened by a computed trigger, a reported
    violation or the expert's own request; verified, decided by an approver, notified in
    writing and announced publicly. Nothing leaves the pool without this case."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("本人申请，待确认")
        PROPOSED = "proposed", _("待核实")
        VERIFYING = "verifying", _("核实中")
        DECIDED = "decided", _("已决定出库，待告知公告")
        EXITED = "exited", _("已出库")
        KEPT = "kept", _("保留")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Source(models.TextChoices):
        TRIGGER = "trigger", _("系统提示")
        VIOLATION = "violation", _("违规报告")
        VOLUNTARY = "voluntary", _("本人申请")
        STAFF = "staff", _("工作人员提出")

    OPEN_STATUSES = ("requested", "proposed", "verifying", "decided")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="exit_cases")
    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="exit_cases")
    triggers = models.ManyToManyField("experts.ExitTrigger", related_name="exit_cases", blank=True)
    reason = models.ForeignKey(ExitReason, null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("出库情形"))
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    summary = models.TextField(_("情况说明"), blank=True)
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    evidence_file = models.FileField(_("证明材料"), upload_to=exit_evidence_path, storage=private_storage,
                                     blank=True, max_length=300)
    opened_at = models.DateTimeField(_("提出时间"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # verification (核实) and the expert's response
    findings = models.TextField(_("核实情况"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    respond_by = models.DateTimeField(_("陈述期限"), null=True, blank=True,
                                      help_text=_("最后一个工作日 24:00（北京时间）。"))
    respond_by_provisional = models.BooleanField(default=False)
    response = models.TextField(_("本人陈述"), blank=True)
    responded_at = models.DateTimeField(_("陈述时间"), null=True, blank=True)
    # decision
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    # written notice (书面告知) and public announcement (出库公告)
    letter_no = models.CharField(_("告知书编号"), max_length=60, blank=True)
    exit_date = models.DateField(_("出库日期"), null=True, blank=True)
    notice = models.ForeignKey("experts.Notice", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="exit_cases")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("出库事项")
        verbose_name_plural = _("出库事项")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[
                "requested", "proposed", "verifying", "decided", "exited", "kept", "withdrawn"]),
                name="exit_case_status_valid"),
            models.CheckConstraint(condition=Q(source__in=["trigger", "violation", "voluntary", "staff"]),
                                   name="exit_case_source_valid"),
            models.UniqueConstraint(fields=["expert"], condition=Q(status__in=[
                "requested", "proposed", "verifying", "decided"]), name="one_open_exit_case_per_expert"),
            models.UniqueConstraint(fields=["letter_no"], condition=~Q(letter_no=""), name="exit_letter_no_unique"),
        ]
        indexes = [models.Index(fields=["body", "status", "-opened_at"], name="exit_case_queue")]

    def __str__(self):
        return f"{self.expert.public_name} · {self.get_status_display()}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class TermReminder(models.Model):
    """A reminder sent before a term ends (once per membership, term end and lead time)."""

    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="term_reminders")
    term_end = models.DateField(_("聘期结束"))
    days_before = models.PositiveSmallIntegerField(_("提前天数"))
    sent_at = models.DateTimeField(_("发送时间"))

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("聘期到期提醒")
        verbose_name_plural = _("聘期到期提醒")
        constraints = [models.UniqueConstraint(fields=["expert", "term_end", "days_before"],
                                               name="term_reminder_once")]


class Renewal(models.Model):
    """A renewal (续聘) of a membership for another term: eligibility re-checked when filed,
    vetted by the secretariat, approved by the approver; a public notice unless the body's
    policy lets renewals skip it; then the term extends and a new certificate is issued."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        FORWARDED = "forwarded", _("待审批")
        APPROVED = "approved", _("已批准，待公示")
        IN_NOTICE = "in_notice", _("公示中")
        RENEWED = "renewed", _("已续聘")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN_STATUSES = ("submitted", "forwarded", "approved", "in_notice")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="renewals")
    expert = models.ForeignKey("experts.Expert", on_delete=models.PROTECT, related_name="renewals")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(_("提交时间"))
    statement = models.TextField(_("续聘说明"), blank=True)
    eligibility = models.JSONField(_("资格复核结果"), default=list, blank=True)
    eligible = models.BooleanField(_("符合条件"), default=True)
    vetting_note = models.TextField(_("审核意见"), blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    notice = models.ForeignKey("experts.Notice", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="renewals")
    old_term_end = models.DateField(_("原聘期结束"))
    old_certificate_no = models.CharField(_("原证书编号"), max_length=60)
    new_term_end = models.DateField(_("新聘期结束"), null=True, blank=True)
    renewed_at = models.DateTimeField(_("续聘时间"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("续聘")
        verbose_name_plural = _("续聘")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[
                "submitted", "forwarded", "approved", "in_notice", "renewed", "rejected", "withdrawn"]),
                name="renewal_status_valid"),
            models.UniqueConstraint(fields=["expert"], condition=Q(status__in=[
                "submitted", "forwarded", "approved", "in_notice"]), name="one_open_renewal_per_expert"),
        ]

    def __str__(self):
        return f"{self.expert.public_name} · {self.get_status_display()}"
