"""Changes of an admitted expert's information.

Contact data (phone, e-mail, address) the expert edits directly (`update_contact`, audited).
Employer, position and title changes are reported (`file_change`) with proof, within the
body's `change_report_workdays` working days after the effective date (the effective date
itself not counted: the 10th working day is on time, the 11th late). Staff `acknowledge`
a report, which applies it to the profile (and so to the recusal keys used by draws) and to
the public snapshot of the person's memberships. Staff may also `record_noticed_change`:
applied at once, flagged late when the deadline has passed.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.permissions import require, users_with
from portal.workflows import Flow

from ..models import ChangeReport, Expert, ExpertProfile
from ..models.pool import TitleLevel
from ..validators import sniff_upload

K = ChangeReport.Kind
S = ChangeReport.Status

CHANGE_FLOW = Flow(S, {(S.FILED, S.ACKNOWLEDGED): "manage_experts"}, body=lambda r: r.expert.body)
CONTACT_FIELDS = ("phone", "email", "address")
PROFILE_FIELD = {K.EMPLOYER: "employer", K.POSITION: "position", K.TITLE: "title"}


class ChangeError(ValidationError):
    pass


def due_for(effective_date, policy):
    """The reporting deadline: `change_report_workdays` working days after the effective date."""
    return workdays.deadline_end(effective_date, policy.change_report_workdays,
                                 count_start=policy.count_publication_day)


def is_late(report_date, due_date):
    return report_date > due_date


def update_contact(profile, *, actor, phone, email, address, now=None):
    """The expert updates their own contact data. Returns the changed field names."""
    now = now or timezone.now()
    if actor is None or actor.pk != profile.user_id:
        raise PermissionDenied(_("只能修改本人的联系方式。"))
    new = {"phone": phone.strip(), "email": email.strip(), "address": address.strip()}
    with transaction.atomic():
        profile = ExpertProfile.objects.select_for_update().get(pk=profile.pk)
        changed = {f: {"before": getattr(profile, f), "after": v} for f, v in new.items() if getattr(profile, f) != v}
        if not changed:
            return []
        for f in changed:
            setattr(profile, f, new[f])
        profile.save(update_fields=list(changed))
        bodies = {m.body for m in Expert.objects.filter(profile=profile).select_related("body")} or {None}
        for body in bodies:
            audit.record(actor, "experts.contact.update", profile, body=body, data={"changed": sorted(changed)},
                         now=now)
    return sorted(changed)


def _check_values(expert, kind, new_value, new_title_level, effective_date, today):
    errors = {}
    if kind not in K.values:
        errors["kind"] = [_("请选择变更事项。")]
    new_value = (new_value or "").strip()
    if not new_value:
        errors["new_value"] = [_("请填写变更后的内容。")]
    elif kind in K.values and new_value == getattr(expert.profile, PROFILE_FIELD[kind]):
        errors["new_value"] = [_("变更后的内容与现有信息相同。")]
    if kind == K.TITLE and new_title_level and new_title_level not in TitleLevel.values:
        errors["new_title_level"] = [_("请选择有效的职称等级。")]
    if effective_date is None:
        errors["effective_date"] = [_("请填写变更生效日期。")]
    elif effective_date > today:
        errors["effective_date"] = [_("变更生效日期不能晚于今天。")]
    if errors:
        raise ChangeError(errors)
    return new_value


def file_change(expert, *, actor, kind, new_value, effective_date, proof, note="", new_title_level="", now=None):
    """The expert reports a change of employer, position or title, with proof."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        expert = Expert.objects.select_for_update(of=("self",)).select_related("body__policy", "profile").get(pk=expert.pk)
        if actor is None or actor.pk != expert.user_id:
            raise PermissionDenied(_("只能报告本人的信息变更。"))
        if expert.status != Expert.Status.ACTIVE:
            raise ChangeError(_("您已不在该专家库中，无需报告。"))
        value = _check_values(expert, kind, new_value, new_title_level, effective_date, today)
        if not proof:
            raise ChangeError({"proof": [_("请上传证明材料（PDF、JPG 或 PNG）。")]})
        try:
            sniff_upload(proof)
        except ValidationError as exc:
            raise ChangeError({"proof": exc.messages}) from None
        due = due_for(effective_date, expert.body.policy)
        report = ChangeReport.objects.create(
            expert=expert, kind=kind, old_value=getattr(expert.profile, PROFILE_FIELD[kind]), new_value=value,
            new_title_level=new_title_level if kind == K.TITLE else "", effective_date=effective_date, proof=proof,
            note=note.strip(), source=ChangeReport.Source.EXPERT, due_date=due.end_date,
            due_provisional=due.provisional, filed_at=now, filed_by=actor, is_late=is_late(today, due.end_date))
        audit.record(actor, "experts.change.file", report, body=expert.body, data={
            "kind": kind, "old": report.old_value, "new": value, "effective": effective_date.isoformat(),
            "due": due.end_date.isoformat(), "late": report.is_late}, now=now)
        notify.later(users_with("manage_experts", expert.body), "change_filed", report, body=expert.body,
                     subject=notify.fmt(gettext_lazy("%(name)s报告了%(kind)s变更"), name=expert.public_name,
                                        kind=report.get_kind_display),
                     text=notify.fmt(gettext_lazy("%(name)s报告%(kind)s由“%(old)s”变更为“%(new)s”，请确认。"),
                                     name=expert.public_name, kind=report.get_kind_display, old=report.old_value or "—",
                                     new=value),
                     url=_staff_url(expert.body))
    return report


def _staff_url(body):
    from django.urls import reverse

    return reverse("experts:change-list", args=[body.key])


def _apply(report, *, actor, now):
    """Write the change to the profile (recusal keys refresh on save) and the public snapshots."""
    profile = ExpertProfile.objects.select_for_update().get(pk=report.expert.profile_id)
    field = PROFILE_FIELD[report.kind]
    before = getattr(profile, field)
    setattr(profile, field, report.new_value)
    fields = [field]
    if report.kind == K.EMPLOYER and before:
        recent = list(profile.recent_employers) if isinstance(profile.recent_employers, list) else []
        if before not in recent:
            profile.recent_employers = [before, *recent]
            fields.append("recent_employers")
    if report.kind == K.TITLE and report.new_title_level:
        profile.title_level = report.new_title_level
        fields.append("title_level")
    profile.save(update_fields=fields)
    snapshot = {K.EMPLOYER: "public_employer", K.TITLE: "public_title"}.get(report.kind)
    if snapshot:
        Expert.objects.filter(profile=profile).update(**{snapshot: report.new_value[:200 if report.kind == K.EMPLOYER
                                                                                   else 100]})
    return before


def acknowledge(report, *, actor, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        report = (ChangeReport.objects.select_for_update(of=("self",)).select_related("expert__body", "expert__user")
                  .get(pk=report.pk))
        CHANGE_FLOW.check(report, to=S.ACKNOWLEDGED, actor=actor)
        before = _apply(report, actor=actor, now=now)
        report.status = S.ACKNOWLEDGED
        report.acknowledged_by = actor
        report.acknowledged_at = now
        report.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        audit.record(actor, "experts.change.acknowledge", report, body=report.expert.body, data={
            "kind": report.kind, "before": before, "after": report.new_value, "late": report.is_late}, now=now)
        notify.later([report.expert.user], "change_acknowledged", report, body=report.expert.body,
                     subject=notify.fmt(gettext_lazy("您报告的%(kind)s变更已确认"), kind=report.get_kind_display),
                     text=notify.fmt(gettext_lazy("您报告的%(kind)s变更（%(new)s）已由工作人员确认并更新。"), kind=report.get_kind_display,
                                     new=report.new_value),
                     url=_self_url())
    return report


def _self_url():
    from django.urls import reverse

    return reverse("experts:self-dashboard")


def record_noticed_change(expert, *, actor, kind, new_value, effective_date, note="", new_title_level="", now=None):
    """Staff record a change they noticed; applied at once, flagged late if past the deadline."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        expert = Expert.objects.select_for_update(of=("self",)).select_related("body__policy", "profile", "user").get(pk=expert.pk)
        require(actor, "manage_experts", expert.body)
        value = _check_values(expert, kind, new_value, new_title_level, effective_date, today)
        due = due_for(effective_date, expert.body.policy)
        report = ChangeReport.objects.create(
            expert=expert, kind=kind, old_value=getattr(expert.profile, PROFILE_FIELD[kind]), new_value=value,
            new_title_level=new_title_level if kind == K.TITLE else "", effective_date=effective_date,
            note=note.strip(), source=ChangeReport.Source.STAFF, status=S.ACKNOWLEDGED, due_date=due.end_date,
            due_provisional=due.provisional, filed_at=now, filed_by=actor, is_late=is_late(today, due.end_date),
            acknowledged_by=actor, acknowledged_at=now)
        before = _apply(report, actor=actor, now=now)
        audit.record(actor, "experts.change.record", report, body=expert.body, data={
            "kind": kind, "before": before, "after": value, "effective": effective_date.isoformat(),
            "due": due.end_date.isoformat(), "late": report.is_late}, now=now)
        notify.later([expert.user], "change_recorded", report, body=expert.body,
                     subject=notify.fmt(gettext_lazy("工作人员更新了您的%(kind)s"), kind=report.get_kind_display),
                     text=notify.fmt(gettext_lazy("工作人员记录了您的%(kind)s变更（%(new)s）%(late)s。"),
                                     kind=report.get_kind_display, new=value,
                                     late=gettext_lazy("，该变更未在规定期限内报告") if report.is_late else ""),
                     url=_self_url())
    return report
