"""Annual assessment (年度考核): staff open a round for a body and year; each active expert
gets a row summarising the year — engagements (accepted invitations), ratings 优秀/一般/差,
unexcused absences, training attended, proposals credited — computed in a few grouped
queries. Staff grade each row with a comment, then sign the round off, which locks it."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.permissions import require
from portal.workflows import Flow

from ..models import AssessmentRound, AssessmentRow, Expert, Invitation, ProposalAuthor, TrainingEnrolment

S = AssessmentRound.Status
ROUND_FLOW = Flow(S, {(S.OPEN, S.SIGNED_OFF): "manage_experts"}, body=lambda r: r.body)
COMMENT_MAX = 2000


class AssessmentError(ValidationError):
    pass


def year_summary(body, year, expert_ids=None):
    """{expert_id: {engagements, rated_excellent, rated_fair, rated_poor, unexcused_absences,
    trainings, proposals}} for engagements, sessions and proposals in `year` (3 queries)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    inv = Invitation.objects.filter(draw__body=body, status=Invitation.Status.ACCEPTED,
                                    draw__engagement_start__range=(first, last))
    if expert_ids is not None:
        inv = inv.filter(expert_id__in=expert_ids)
    out = {}

    def row(pk):
        return out.setdefault(pk, {"engagements": 0, "rated_excellent": 0, "rated_fair": 0, "rated_poor": 0,
                                   "unexcused_absences": 0, "trainings": 0, "proposals": 0})

    R, A = Invitation.Rating, Invitation.Attendance
    for r in inv.order_by().values("expert_id").annotate(
            engagements=Count("pk"), rated_excellent=Count("pk", filter=Q(rating=R.EXCELLENT)),
            rated_fair=Count("pk", filter=Q(rating=R.FAIR)), rated_poor=Count("pk", filter=Q(rating=R.POOR)),
            unexcused_absences=Count("pk", filter=Q(attendance=A.UNEXCUSED))):
        row(r.pop("expert_id")).update(r)
    tr = TrainingEnrolment.objects.filter(session__body=body, attended=True, session__starts_at__year=year)
    pr = ProposalAuthor.objects.filter(proposal__body=body, proposal__year=year)
    if expert_ids is not None:
        tr, pr = tr.filter(expert_id__in=expert_ids), pr.filter(expert_id__in=expert_ids)
    for pk, n in tr.order_by().values("expert_id").annotate(n=Count("pk")).values_list("expert_id", "n"):
        row(pk)["trainings"] = n
    for pk, n in pr.order_by().values("expert_id").annotate(n=Count("pk")).values_list("expert_id", "n"):
        row(pk)["proposals"] = n
    return out


def open_round(body, *, actor, year, now=None):
    now = now or timezone.now()
    require(actor, "manage_experts", body)
    if year > timezone.localdate(now).year or year < 2000:
        raise AssessmentError({"year": [_("考核年度须为今年或以前的年度。")]})
    try:
        with transaction.atomic():
            rnd = AssessmentRound.objects.create(body=body, year=year, opened_by=actor, opened_at=now)
            experts = list(Expert.objects.filter(body=body, status=Expert.Status.ACTIVE,
                                                 term_start__lte=date(year, 12, 31)).values_list("pk", flat=True))
            summary = year_summary(body, year, experts)
            AssessmentRow.objects.bulk_create([AssessmentRow(round=rnd, expert_id=pk, **summary.get(pk, {}))
                                               for pk in experts])
            audit.record(actor, "experts.assessment.open", rnd, body=body, data={"year": year, "rows": len(experts)},
                         now=now)
    except IntegrityError:
        raise AssessmentError({"year": [_("%(year)s年度的考核已开启。") % {"year": year}]}) from None
    return rnd


def review_row(row, *, actor, grade, comment="", now=None):
    now = now or timezone.now()
    if grade not in AssessmentRow.Grade.values:
        raise AssessmentError({"grade": [_("请选择考核等次。")]})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise AssessmentError({"comment": [_("考核意见不超过 %(n)s 字。") % {"n": COMMENT_MAX}]})
    with transaction.atomic():
        row = AssessmentRow.objects.select_for_update(of=("self",)).select_related("round__body").get(pk=row.pk)
        rnd = row.round
        require(actor, "manage_experts", rnd.body)
        if rnd.status != S.OPEN:
            raise AssessmentError(_("该年度考核已签批，不能修改。"))
        before = {"grade": row.grade, "comment": row.comment}
        row.grade, row.comment, row.reviewed_by, row.reviewed_at = grade, comment, actor, now
        row.save(update_fields=["grade", "comment", "reviewed_by", "reviewed_at"])
        audit.record(actor, "experts.assessment.review", row, body=rnd.body,
                     data={"expert": row.expert_id, "before": before, "after": {"grade": grade, "comment": comment}},
                     now=now)
    return row


def sign_off(rnd, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        rnd = AssessmentRound.objects.select_for_update(of=("self",)).select_related("body").get(pk=rnd.pk)
        ROUND_FLOW.check(rnd, to=S.SIGNED_OFF, actor=actor)
        missing = rnd.rows.filter(grade="").count()
        if missing:
            raise AssessmentError(_("还有 %(n)s 位专家未评定等次，不能签批。") % {"n": missing})
        rnd.status, rnd.signed_by, rnd.signed_at = S.SIGNED_OFF, actor, now
        rnd.save(update_fields=["status", "signed_by", "signed_at"])
        grades = dict(rnd.rows.order_by().values("grade").annotate(n=Count("pk")).values_list("grade", "n"))
        audit.record(actor, "experts.assessment.sign_off", rnd, body=rnd.body, data={"grades": grades}, now=now)
    return rnd
