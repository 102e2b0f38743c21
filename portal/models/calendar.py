from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An override of the working-day calendar: the official schedule for a year the
    holiday library does not know yet, or a local correction. Wins over every other source."""

    class Source(models.TextChoices):
        OFFICIAL = "official", _("国务院办公厅通知")
        LOCAL = "local", _("本地调整")
        IMPORT = "import", _("文件导入")

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.OFFICIAL)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")

    def __str__(self):
        return f"{self.date.isoformat()} {'workday' if self.is_workday else 'rest'} {self.note}"
