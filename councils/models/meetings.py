"""Meetings, agenda items, petitions for ad-hoc meetings, attendance and minutes."""
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_checkin_token():
    return secrets.token_urlsafe(24)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        PLENARY = "plenary", _("全体会议/大会")
        SPECIAL = "special", _("专门会议")
        ROUTINE = "routine", _("例会")
        DISPATCH = "dispatch", _("调度会")
        COORDINATION = "coordination", _("专题协调会")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("现场")
        ONLINE = "online", _("线上")
        HYBRID = "hybrid", _("现场+线上")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        NOTIFIED = "notified", _("已通知")
        IN_PROGRESS = "in_progress", _("进行中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="meetings")
    number = models.PositiveIntegerField(_("届次序号"))
    title = models.CharField(_("会议名称"), max_length=200)
    kind = models.CharField(_("会议类型"), max_length=20, choices=Kind.choices, default=Kind.PLENARY)
    mode = models.CharField(_("形式"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    ad_hoc = models.BooleanField(_("临时会议"), default=False)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    online_url = models.URLField(_("线上会议链接"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    convener = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="convened_meetings",
                                 verbose_name=_("召集人"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    agenda_closes_at = models.DateTimeField(_("议题截止时间"), null=True, blank=True)
    agenda_provisional = models.BooleanField(_("议题截止为暂定期限"), default=False)
    checkin_token = models.CharField(_("签到令牌"), max_length=64, default=new_checkin_token, unique=True)
    petition = models.ForeignKey("councils.Petition", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("提议"))
    policy_snapshot = models.JSONField(_("规则参数快照"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("开会时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("散会时间"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "notified", "in_progress", "closed", "cancelled"]),
                name="meeting_status_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["plenary", "special", "routine", "dispatch", "coordination"]),
                name="meeting_kind_valid"),
            models.CheckConstraint(condition=Q(mode__in=["in_person", "online", "hybrid"]), name="meeting_mode_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_times_ordered"),
            models.UniqueConstraint(fields=["council", "number"], name="meeting_number_unique"),
        ]
        indexes = [models.Index(fields=["council", "status", "starts_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("councils:meeting-detail", args=[self.pk])

    @property
    def body(self):
        return self.council.body


class AgendaItem(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("已提交")
        ACCEPTED = "accepted", _("已列入")
        REJECTED = "rejected", _("未列入")
        PENDING_CHAIR = "pending_chair", _("逾期待理事长批准")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    title = models.CharField(_("议题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("提出人"))
    seat = models.ForeignKey("councils.Seat", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    late = models.BooleanField(_("逾期提交"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        ordering = ["meeting", "order", "pk"]
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["proposed", "accepted", "rejected", "pending_chair"]),
                                   name="agendaitem_status_valid"),
        ]

    def __str__(self):
        return self.title


class Petition(models.Model):
    """Member units ask for an ad-hoc meeting; it is reached at petition_num/den of active units."""

    class Status(models.TextChoices):
        OPEN = "open", _("征集签名中")
        REACHED = "reached", _("已达到法定比例")
        CONVENED = "convened", _("已召集会议")
        WITHDRAWN = "withdrawn", _("已撤回")

    council = models.ForeignKey("councils.Council", on_delete=models.CASCADE, related_name="petitions")
    reason = models.TextField(_("提议事由"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("发起时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reached_at = models.DateTimeField(_("达到时间"), null=True, blank=True)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("临时会议提议")
        verbose_name_plural = _("临时会议提议")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "reached", "convened", "withdrawn"]),
                                   name="petition_status_valid"),
        ]

    def __str__(self):
        return self.reason[:60]


class PetitionSignature(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    unit = models.ForeignKey("councils.MemberUnit", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签署时间"))

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("提议签署")
        verbose_name_plural = _("提议签署")
        constraints = [models.UniqueConstraint(fields=["petition", "unit"], name="petitionsignature_unique")]


class Attendance(models.Model):
    """One presence interval of a seat at a meeting."""

    class Method(models.TextChoices):
        STAFF = "staff", _("工作人员登记")
        QR = "qr", _("扫码签到")
        LINK = "link", _("链接签到")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    seat = models.ForeignKey("councils.Seat", on_delete=models.PROTECT, related_name="attendance")
    attendee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("出席人"))
    as_substitute = models.BooleanField(_("替补出席"), default=False)
    checked_in_at = models.DateTimeField(_("签到时间"))
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    method = models.CharField(_("签到方式"), max_length=10, choices=Method.choices, default=Method.STAFF)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["meeting", "checked_in_at"]
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seat"], condition=Q(checked_out_at__isnull=True),
                                    name="attendance_one_open_interval"),
            models.CheckConstraint(condition=Q(method__in=["staff", "qr", "link"]), name="attendance_method_valid"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="attendance_interval_ordered"),
        ]


class Minutes(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEW = "review", _("审阅中")
        SIGNED = "signed", _("已签发")
        DISTRIBUTED = "distributed", _("已分发")

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(_("纪要正文"), blank=True)
    content = models.JSONField(_("会议记录快照"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    drafted_at = models.DateTimeField(_("起草时间"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    content_hash = models.CharField(_("内容哈希"), max_length=64, blank=True)
    distributed_at = models.DateTimeField(_("分发时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会议纪要")
        verbose_name_plural = _("会议纪要")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "review", "signed", "distributed"]),
                                   name="minutes_status_valid"),
        ]

    def __str__(self):
        return str(self.meeting)

    @property
    def locked(self):
        return self.status in (self.Status.SIGNED, self.Status.DISTRIBUTED)
