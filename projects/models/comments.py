"""Comment rounds (征求意见): a draft document sent out for comments, the invitations, and the
comments themselves with their disposition (处理意见), as in the jx-base summary form
(意见汇总表: 序号, 章条编号, 意见内容, 提出人/单位, 处理意见)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from experts.storage import private_storage, random_name

__all__ = ["CommentRound", "CommentInvitation", "Comment", "draft_path"]


def draft_path(instance, filename):
    return random_name(f"comment_rounds/{instance.body_id}", filename)


class CommentRound(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("征求意见中")
        CLOSED = "closed", _("已截止")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="comment_rounds")
    title = models.CharField(_("文件名称"), max_length=200,
                             help_text=_("征求意见的文件名称，例如“管理办法（征求意见稿）”。"))
    number = models.CharField(_("文号"), max_length=60, blank=True)
    description = models.TextField(_("说明"), blank=True)
    draft = models.FileField(_("征求意见稿"), upload_to=draft_path, storage=private_storage, max_length=300)
    draft_name = models.CharField(_("原文件名"), max_length=200)
    draft_content_type = models.CharField(max_length=100)
    draft_size = models.PositiveIntegerField(default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    is_public = models.BooleanField(_("向社会公开征求意见"), default=False)
    workdays = models.PositiveSmallIntegerField(_("征求意见期限（工作日）"))
    count_start_day = models.BooleanField(_("发布当日计入期限"), default=False)
    opened_at = models.DateTimeField(_("发布时间"))
    starts_on = models.DateField(_("开始日"))
    deadline_on = models.DateField(_("截止日"))
    deadline_at = models.DateTimeField(_("截止时间"), help_text=_("最后一个工作日 24:00（北京时间）。"))
    provisional = models.BooleanField(_("暂定期限"), default=False,
                                      help_text=_("期限涉及尚未公布节假日安排的年份。"))
    closed_at = models.DateTimeField(_("截止处理时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="comment_round_status_valid"),
            models.CheckConstraint(condition=Q(workdays__gte=1), name="comment_round_workdays_positive"),
            models.CheckConstraint(condition=Q(deadline_on__gte=models.F("starts_on")),
                                   name="comment_round_period_ordered"),
        ]
        indexes = [models.Index(fields=["status", "deadline_at"]), models.Index(fields=["body", "-opened_at"]),
                   models.Index(fields=["is_public", "status", "-opened_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("comments:round", args=[self.pk])

    def is_open_at(self, now):
        return self.status == self.Status.OPEN and now < self.deadline_at


class CommentInvitation(models.Model):
    """A unit or person asked for comments: an account, or an e-mail address that becomes
    theirs when someone signs in with it."""

    round = models.ForeignKey(CommentRound, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="comment_invitations")
    email = models.EmailField(_("电子邮箱"), blank=True)
    unit = models.CharField(_("单位"), max_length=200, blank=True)
    invited_at = models.DateTimeField(_("邀请时间"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("征求意见邀请")
        verbose_name_plural = _("征求意见邀请")
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(email=""), name="comment_invitation_target"),
            models.UniqueConstraint(fields=["round", "user"], condition=Q(user__isnull=False),
                                    name="comment_invitation_user_unique"),
            models.UniqueConstraint(fields=["round", "email"], condition=Q(user__isnull=True),
                                    name="comment_invitation_email_unique"),
        ]
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return self.user.name if self.user_id else self.email


class Comment(models.Model):
    class Disposition(models.TextChoices):
        PENDING = "pending", _("待处理")
        ADOPTED = "adopted", _("采纳")
        PARTLY = "partly", _("部分采纳")
        REJECTED = "rejected", _("未采纳")

    class Source(models.TextChoices):
        FORM = "form", _("在线填写")
        EXCEL = "excel", _("Excel 上传")
        PUBLIC = "public", _("社会公众")

    round = models.ForeignKey(CommentRound, on_delete=models.CASCADE, related_name="comments")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="round_comments")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.FORM)
    # 提出人/单位 (shown on the summary form); contact is private, never shown publicly
    submitter_name = models.CharField(_("提出人"), max_length=100, blank=True)
    submitter_unit = models.CharField(_("提出单位"), max_length=200, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    clause = models.CharField(_("章条编号"), max_length=100, blank=True)
    content = models.TextField(_("意见内容"))
    proposed_change = models.TextField(_("修改建议"), blank=True)
    reason = models.TextField(_("理由"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    updated_at = models.DateTimeField(_("修改时间"))
    disposition = models.CharField(_("处理结果"), max_length=10, choices=Disposition.choices,
                                   default=Disposition.PENDING)
    disposition_reason = models.TextField(_("处理意见说明"), blank=True)
    disposed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    disposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["round", "submitted_at", "id"]
        verbose_name = _("意见")
        verbose_name_plural = _("意见")
        constraints = [
            models.CheckConstraint(condition=Q(disposition__in=["pending", "adopted", "partly", "rejected"]),
                                   name="comment_disposition_valid"),
            models.CheckConstraint(condition=Q(source__in=["form", "excel", "public"]), name="comment_source_valid"),
            # 部分采纳 and 未采纳 need the reason
            models.CheckConstraint(condition=Q(disposition__in=["pending", "adopted"]) | ~Q(disposition_reason=""),
                                   name="comment_disposition_reason_required"),
        ]
        indexes = [models.Index(fields=["round", "submitted_at", "id"]), models.Index(fields=["round", "disposition"]),
                   models.Index(fields=["respondent", "round"])]

    def __str__(self):
        return f"{self.clause or '—'}: {self.content[:30]}"

    @property
    def from_display(self):
        """提出人/单位 as printed on the summary form."""
        if self.submitter_name and self.submitter_unit:
            return f"{self.submitter_name}（{self.submitter_unit}）"
        return self.submitter_unit or self.submitter_name

    @property
    def disposition_display(self):
        """处理意见 column: the result, then the reason."""
        if self.disposition == self.Disposition.PENDING:
            return str(self.get_disposition_display())
        label = str(self.get_disposition_display())
        return f"{label}：{self.disposition_reason}" if self.disposition_reason else label
