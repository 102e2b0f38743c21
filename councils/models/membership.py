"""Councils, member units, their applications and seats."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from experts.storage import private_storage


class Council(models.Model):
    """A council, committee, assembly or leading group of a body."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("理事会")
        COMMITTEE = "committee", _("委员会")
        ASSEMBLY = "assembly", _("大会")
        LEADING_GROUP = "leading_group", _("领导小组")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="councils")
    name_zh = models.CharField(_("名称（中文）"), max_length=200)
    name_en = models.CharField(_("名称（英文）"), max_length=200, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.COUNCIL)
    number_prefix = models.CharField(_("决议文号前缀"), max_length=40, blank=True,
                                     help_text=_("例如“赣创理决”，决议编号为 前缀〔年份〕序号号。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["body", "pk"]
        verbose_name = _("理事会/委员会")
        verbose_name_plural = _("理事会/委员会")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["council", "committee", "assembly", "leading_group"]),
                                   name="council_kind_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        if (get_language() or "zh-hans").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("councils:council-detail", args=[self.pk])


class MemberUnit(models.Model):
    """A member unit (理事单位/成员单位); it holds a seat through its representative."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        LEFT = "left", _("已退出")

    class LeaveReason(models.TextChoices):
        VOLUNTARY = "voluntary", _("自愿退出")
        ABSENT_YEAR = "absent_year", _("全年未参加活动")
        POOR_PERFORMANCE = "poor_performance", _("连续履职不佳")
        DISSOLVED = "dissolved", _("单位撤销或解散")
        VIOLATION = "violation", _("违反章程")
        OTHER = "other", _("其他")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("单位名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True,
                                     help_text=_("仅秘书处可见。"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)
    leave_reason = models.CharField(_("退出原因"), max_length=20, choices=LeaveReason.choices, blank=True)
    leave_note = models.TextField(_("退出说明"), blank=True)
    admitted_by_motion = models.ForeignKey("councils.Motion", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("接纳决议"))

    class Meta:
        ordering = ["council", "name"]
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["active", "left"]), name="memberunit_status_valid"),
            models.UniqueConstraint(fields=["council", "name"], condition=Q(status="active"),
                                    name="memberunit_active_name_unique"),
        ]

    def __str__(self):
        return self.short_name or self.name


class UnitApplication(models.Model):
    """A unit applies to join; the plenary decides by a unit_admission motion."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        SCHEDULED = "scheduled", _("已列入议程")
        ADMITTED = "admitted", _("已接纳")
        REJECTED = "rejected", _("未通过")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="unit_applications")
    unit_name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    reason = models.TextField(_("申请理由"), blank=True)
    attachment = models.FileField(_("申请材料"), upload_to="councils/applications/%Y/", storage=private_storage,
                                  blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    motion = models.ForeignKey("councils.Motion", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["submitted", "scheduled", "admitted", "rejected"]),
                                   name="unitapplication_status_valid"),
        ]

    def __str__(self):
        return self.unit_name


class Seat(models.Model):
    """A seat of a council, held by a person or by a member unit through its representative
    (with a named substitute). One row per term."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("理事长/主任")
        VICE_CHAIR = "vice_chair", _("副理事长/副主任")
        SECRETARY_GENERAL = "secretary_general", _("秘书长")
        STANDING = "standing", _("常务理事")
        MEMBER = "member", _("理事/委员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在任")
        ENDED = "ended", _("已卸任")

    LEADER_ROLES = ("chair", "vice_chair", "secretary_general")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="seats")
    role = models.CharField(_("职务"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="council_seats", verbose_name=_("个人"))
    unit = models.ForeignKey(MemberUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="seats",
                             verbose_name=_("成员单位"))
    representative = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="council_representations", verbose_name=_("单位代表"))
    substitute = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="council_substitutions", verbose_name=_("替补代表"))
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("卸任日期"), null=True, blank=True)
    end_reason = models.CharField(_("卸任原因"), max_length=200, blank=True)
    elected_by = models.ForeignKey("councils.Motion", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("选举决议"))

    class Meta:
        ordering = ["council", "pk"]
        verbose_name = _("席位")
        verbose_name_plural = _("席位")
        constraints = [
            models.CheckConstraint(
                condition=(Q(holder__isnull=False, unit__isnull=True)
                           | Q(holder__isnull=True, unit__isnull=False, representative__isnull=False)),
                name="seat_holder_xor_unit_with_representative"),
            models.CheckConstraint(
                condition=Q(role__in=["chair", "vice_chair", "secretary_general", "standing", "member"]),
                name="seat_role_valid"),
            models.CheckConstraint(condition=Q(status__in=["active", "ended"]), name="seat_status_valid"),
            models.CheckConstraint(condition=Q(term_end__gte=models.F("term_start")), name="seat_term_ordered"),
            models.CheckConstraint(condition=~Q(substitute=models.F("representative")),
                                   name="seat_substitute_not_representative"),
            models.UniqueConstraint(fields=["council", "holder"], condition=Q(status="active", holder__isnull=False),
                                    name="seat_one_active_per_person"),
            models.UniqueConstraint(fields=["council", "unit"], condition=Q(status="active", unit__isnull=False),
                                    name="seat_one_active_per_unit"),
        ]
        indexes = [models.Index(fields=["council", "status", "role"])]

    def __str__(self):
        return f"{self.get_role_display()} {self.occupant_name}"

    @property
    def occupant_name(self):
        if self.unit_id:
            return self.unit.name
        return self.holder.name if self.holder_id else ""

    @property
    def is_leader(self):
        return self.role in self.LEADER_ROLES

    def voter_ids(self):
        """Users who may act for this seat (check in, vote)."""
        if self.holder_id:
            return [self.holder_id]
        return [i for i in (self.representative_id, self.substitute_id) if i]
