"""Evaluations after an engagement: attendance and the rating of each accepted expert, and
the exit triggers they raise (recorded as ExitTrigger rows for staff to act on; nothing is
removed automatically).

    record_attendance(invitation, actor=staff, attendance="unexcused")
    rate(invitation, actor=staff, rating="poor", scores={"expertise": 2}, note="…")

Thresholds come from the draw's policy snapshot (`poor_ratings_exit`,
`unexcused_absences_exit`; None = no such trigger). "差" ratings count within the expert's
current term (engagements starting between term_start and term_end); unexcused absences
count over the membership. Reaching the threshold opens one trigger per kind (a third "差"
does not open a second one while the first is unresolved).
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import require, users_with

from ..models import Draw, ExitTrigger, Expert, Invitation

A = Invitation.Attendance
R = Invitation.Rating

CRITERIA = {
    "expertise": gettext_lazy("专业能力"),
    "attitude": gettext_lazy("工作态度"),
    "integrity": gettext_lazy("廉洁自律"),
}
SCORE_MIN, SCORE_MAX = 1, 5
NOTE_MAX_LENGTH = 2000


class EvaluationError(ValidationError):
    """Raised with per-field messages ({"rating": [...]}, or a plain message for the form)."""


def evaluation_open(draw, now=None):
    """Evaluations may be recorded from the engagement's first day (Beijing date)."""
    return timezone.localdate(now or timezone.now()) >= draw.engagement_start


def _locked(invitation, actor, now):
    inv = (Invitation.objects.select_for_update(of=("self",)).select_related("draw__body", "expert")
           .get(pk=invitation.pk))
    draw = inv.draw
    require(actor, "manage_experts", draw.body)
    if draw.status == Draw.Status.CANCELLED:
        raise EvaluationError(_("该抽取已取消，不能评价。"))
    if not evaluation_open(draw, now):
        raise EvaluationError(_("评价须在活动开始（%(date)s）后进行。") % {
            "date": f"{draw.engagement_start.year}年{draw.engagement_start.month}月{draw.engagement_start.day}日"})
    if inv.status != Invitation.Status.ACCEPTED:
        raise EvaluationError(_("只能评价已接受邀请的专家（当前状态：%(status)s）。") % {
            "status": inv.get_status_display()})
    return inv


def _threshold(draw, key):
    value = (draw.policy_snapshot or {}).get(key)
    return int(value) if value else None


def _raise_trigger(expert, kind, *, count, threshold, invitations, now):
    """Open one trigger of `kind` for the expert unless an unresolved one exists. Returns it or None."""
    if ExitTrigger.objects.filter(expert=expert, kind=kind, resolved_at__isnull=True).exists():
        return None
    evidence = {
        "count": count, "threshold": threshold,
        "invitations": [i.pk for i in invitations],
        "draws": [i.draw.number for i in invitations],
        "term": [expert.term_start.isoformat(), expert.term_end.isoformat()],
    }
    trigger = ExitTrigger.objects.create(expert=expert, kind=kind, evidence=evidence, raised_at=now)
    audit.record(None, "experts.exit_trigger.raise", trigger, body=expert.body,
                 data={"expert": expert.pk, "kind": kind, **evidence}, now=now)
    notify.later(users_with("manage_experts", expert.body), "evaluation_exit_trigger", trigger,
                 body=expert.body, subject=notify.fmt(gettext_lazy("出库情形提示：%(name)s"), name=expert.public_name),
                 url=reverse("experts:expert-detail", args=[expert.body.key, expert.pk]), expert=expert,
                 kind_display=trigger.get_kind_display, count=count, threshold=threshold)
    return trigger


def _check_unexcused(inv, now):
    threshold = _threshold(inv.draw, "unexcused_absences_exit")
    if threshold is None:
        return None
    rows = list(Invitation.objects.select_related("draw").filter(expert=inv.expert, attendance=A.UNEXCUSED)
                .order_by("draw__engagement_start", "pk"))
    if len(rows) < threshold:
        return None
    return _raise_trigger(inv.expert, ExitTrigger.Kind.UNEXCUSED_ABSENCES, count=len(rows), threshold=threshold,
                          invitations=rows, now=now)


def _check_poor(inv, now):
    threshold = _threshold(inv.draw, "poor_ratings_exit")
    if threshold is None:
        return None
    expert = inv.expert
    rows = list(Invitation.objects.select_related("draw").filter(
        expert=expert, rating=R.POOR, draw__engagement_start__gte=expert.term_start,
        draw__engagement_start__lte=expert.term_end).order_by("draw__engagement_start", "pk"))
    if len(rows) < threshold:
        return None
    return _raise_trigger(expert, ExitTrigger.Kind.POOR_RATINGS, count=len(rows), threshold=threshold,
                          invitations=rows, now=now)


def record_attendance(invitation, *, actor, attendance, now=None):
    """Staff record whether an accepted expert attended (出席/请假/无故缺席). Unexcused
    absences reaching the policy's count open an exit trigger. Returns the invitation."""
    now = now or timezone.now()
    if attendance not in A.values:
        raise EvaluationError({"attendance": [_("请选择出席情况。")]})
    with transaction.atomic():
        inv = _locked(invitation, actor, now)
        Expert.objects.select_for_update().filter(pk=inv.expert_id).first()  # serialise trigger checks
        before, after = audit.apply_changes(inv, {"attendance": attendance})
        if not after:
            return inv
        inv.save(update_fields=["attendance"])
        audit.record(actor, "experts.invitation.attendance", inv, body=inv.draw.body,
                     data={"draw": inv.draw.number, "expert": inv.expert_id, "before": before, "after": after},
                     now=now)
        if attendance == A.UNEXCUSED:
            _check_unexcused(inv, now)
    return inv


def clean_scores(scores):
    """{criterion: int 1–5} with known criteria only; empty values dropped."""
    cleaned, errors = {}, []
    for key, value in (scores or {}).items():
        if value in (None, ""):
            continue
        if key not in CRITERIA:
            errors.append(_("未知的评分项目：%(key)s") % {"key": key})
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not SCORE_MIN <= number <= SCORE_MAX or str(number) != str(value).strip():
            errors.append(_("“%(name)s”的评分须为 1 至 5 的整数。") % {"name": CRITERIA[key]})
            continue
        cleaned[key] = number
    if errors:
        raise EvaluationError({"scores": errors})
    return cleaned


def rate(invitation, *, actor, rating, scores=None, note="", now=None):
    """Staff rate an accepted expert after the engagement started: 优秀/一般/差, optional
    scores per criterion (1–5) and a note. "差" ratings within the current term reaching the
    policy's count open an exit trigger. Re-rating replaces the rating (audited with the
    old values). Returns the invitation."""
    now = now or timezone.now()
    errors = {}
    if rating not in R.values:
        errors["rating"] = [_("请选择评价等级。")]
    try:
        scores = clean_scores(scores)
    except EvaluationError as exc:
        errors.update(exc.message_dict)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [_("评价说明不能超过 %(n)d 字。") % {"n": NOTE_MAX_LENGTH}]
    if errors:
        raise EvaluationError(errors)
    with transaction.atomic():
        inv = _locked(invitation, actor, now)
        Expert.objects.select_for_update().filter(pk=inv.expert_id).first()
        before, after = audit.apply_changes(inv, {"rating": rating, "scores": scores, "rating_note": note})
        inv.rated_by = actor
        inv.rated_at = now
        inv.save(update_fields=["rating", "scores", "rating_note", "rated_by", "rated_at"])
        audit.record(actor, "experts.invitation.rate", inv, body=inv.draw.body,
                     data={"draw": inv.draw.number, "expert": inv.expert_id, "before": before, "after": after},
                     now=now)
        if after:
            notify.later([inv.expert.user], "evaluation_rated", inv, body=inv.draw.body,
                         subject=notify.fmt(gettext_lazy("您参加的“%(title)s”已有评价"), title=inv.draw.title),
                         url=reverse("experts:my-ratings"), draw=inv.draw)
        if rating == R.POOR:
            _check_poor(inv, now)
    return inv


# ---------------------------------------------------------------------------
# reads


def panel_for_evaluation(draw):
    """The accepted invitations of a draw with their experts (one query)."""
    return list(Invitation.objects.filter(draw=draw, status=Invitation.Status.ACCEPTED)
                .select_related("expert", "rated_by").order_by("rank", "pk"))
