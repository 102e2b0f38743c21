from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditChain(models.Model):
    """Head of one hash chain (one per body, plus the site-wide chain `_site`).
    Locked with SELECT … FOR UPDATE while an event is appended."""

    key = models.CharField(max_length=60, primary_key=True)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    length = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")


class AuditEvent(models.Model):
    """Append-only record of a state change. `hash` covers this event's content and
    the previous event's hash in the same chain (`prev_hash`)."""

    chain = models.CharField(_("审计链"), max_length=60, db_index=True)
    seq = models.PositiveBigIntegerField(_("序号"))
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="audit_events", verbose_name=_("操作人"))
    actor_repr = models.CharField(_("操作人"), max_length=200, blank=True)
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("对象"), max_length=300, blank=True)
    body = models.ForeignKey(
        "portal.Body", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events",
        verbose_name=_("机构"))
    data = models.JSONField(_("内容"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["body", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.target_repr}"
