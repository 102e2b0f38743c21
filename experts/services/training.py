"""Training sessions (培训): staff create them, experts of the body enrol while places are left
(the session row is locked, so two last-minute enrolments cannot both take the last place),
staff record attendance once the session has started. Attendance feeds the expert's training
record and the annual assessment."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.permissions import require

from ..models import Expert, TrainingEnrolment, TrainingSession


class TrainingError(ValidationError):
    pass


def create_session(body, *, actor, topic, starts_at, ends_at, place, capacity, description="", now=None):
    now = now or timezone.now()
    require(actor, "manage_experts", body)
    errors = {}
    if not (topic or "").strip():
        errors["topic"] = [_("请填写培训主题。")]
    if not (place or "").strip():
        errors["place"] = [_("请填写地点。")]
    if not capacity or capacity < 1:
        errors["capacity"] = [_("名额至少为 1。")]
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间须晚于开始时间。")]
    if starts_at and starts_at <= now:
        errors["starts_at"] = [_("开始时间须晚于当前时间。")]
    if errors:
        raise TrainingError(errors)
    with transaction.atomic():
        session = TrainingSession.objects.create(body=body, topic=topic.strip(), starts_at=starts_at, ends_at=ends_at,
                                                 place=place.strip(), capacity=capacity,
                                                 description=(description or "").strip(), created_by=actor)
        audit.record(actor, "experts.training.create", session, body=body, data={
            "topic": session.topic, "starts_at": starts_at.isoformat(), "capacity": capacity}, now=now)
    return session


def enrol(session, expert, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update(of=("self",)).select_related("body").get(pk=session.pk)
        expert = Expert.objects.select_related("body").get(pk=expert.pk)
        if actor is None or actor.pk != expert.user_id:
            raise PermissionDenied(_("只能为本人报名。"))
        if expert.body_id != session.body_id or expert.status != Expert.Status.ACTIVE:
            raise TrainingError(_("只有本专家库的在库专家可以报名。"))
        if now >= session.starts_at:
            raise TrainingError(_("培训已开始，报名已截止。"))
        if TrainingEnrolment.objects.filter(session=session, expert=expert).exists():
            raise TrainingError(_("您已报名该培训。"))
        taken = TrainingEnrolment.objects.filter(session=session).count()
        if taken >= session.capacity:
            raise TrainingError(_("名额已满（共 %(n)s 个名额）。") % {"n": session.capacity})
        enrolment = TrainingEnrolment.objects.create(session=session, expert=expert, enrolled_at=now)
        audit.record(actor, "experts.training.enrol", enrolment, body=session.body,
                     data={"session": session.pk, "expert": expert.pk, "place": taken + 1}, now=now)
    return enrolment


def record_attendance(session, *, actor, present_ids, now=None):
    """Mark enrolled experts present (ids in `present_ids`) or absent (the others)."""
    now = now or timezone.now()
    present_ids = {int(i) for i in present_ids}
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update(of=("self",)).select_related("body").get(pk=session.pk)
        require(actor, "manage_experts", session.body)
        if now < session.starts_at:
            raise TrainingError(_("培训开始后才能登记出席情况。"))
        enrolments = list(TrainingEnrolment.objects.filter(session=session).select_for_update())
        unknown = present_ids - {e.expert_id for e in enrolments}
        if unknown:
            raise TrainingError(_("只能登记已报名专家的出席情况。"))
        changed = []
        for e in enrolments:
            value = e.expert_id in present_ids
            if e.attended is not value:
                e.attended = value
                changed.append(e)
        TrainingEnrolment.objects.bulk_update(changed, ["attended"])
        audit.record(actor, "experts.training.attendance", session, body=session.body,
                     data={"present": sorted(present_ids), "enrolled": len(enrolments)}, now=now)
    return len(changed)
