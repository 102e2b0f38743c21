"""Reads of draws for the staff, approver and supervisor pages (experts.views.draws).
Every function runs a constant number of queries whatever the pool or panel size."""
from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import AuditEvent
from portal.permissions import bodies_for, has

from ..draws import record
from ..models import Draw, Expert, ExpertField, Invitation

# reason codes of eligible_pool (experts.draws.pool) → labels shown to people
REASON_LABELS = {
    "employer": gettext_lazy("任职于被检查单位或合作单位（含近年任职）"),
    "participant": gettext_lazy("被评审项目参与人员"),
    "relation": gettext_lazy("与被检查单位存在近亲属任职或利益关系"),
    "written_request": gettext_lazy("被检查单位书面申请回避"),
    "booked": gettext_lazy("同期已有其他工作安排"),
    "rotation": gettext_lazy("轮换：连续被抽中"),
    "declared_conflict": gettext_lazy("本人申报回避"),
    "field_full": gettext_lazy("该领域人数已满"),
    "exited": gettext_lazy("专家已出库"),
    "withdrawn": gettext_lazy("工作人员撤回邀请"),
}
CONDITION_LABELS = {
    "fields": gettext_lazy("专业领域不符"),
    "min_title_level": gettext_lazy("职称等级不符"),
    "regions": gettext_lazy("地区不符"),
    "employer_types": gettext_lazy("单位性质不符"),
}
UNMATCHED_LABEL = gettext_lazy("不符合抽取条件（领域、职称、地区或单位性质）")
OUTCOME_LABELS = {
    "invited": gettext_lazy("抽中，已邀请"),
    "skipped": gettext_lazy("跳过"),
    "declined": gettext_lazy("谢绝"),
    "conflict": gettext_lazy("申报回避"),
    "expired": gettext_lazy("逾期未答复"),
    "cancelled": gettext_lazy("已取消"),
    "accepted": gettext_lazy("接受"),
}
DRAWN_STATES = (Draw.Status.INVITING, Draw.Status.COMPLETE, Draw.Status.EXHAUSTED)
RUNNING_STATES = (Draw.Status.COMMITTED, Draw.Status.INVITING, Draw.Status.PENDING_APPROVAL)
#: who may open a body's draw pages at all
STAFF_PERMISSIONS = ("manage_experts", "approve", "supervise")


def reason_label(code):
    """A reason code of the record, in words: `employer`, `condition:regions`, …"""
    if code.startswith("condition:"):
        name = code.split(":", 1)[1]
        return str(CONDITION_LABELS.get(name, _("不符合抽取条件（%(name)s）") % {"name": name}))
    return str(REASON_LABELS.get(code, code))


def outcome_label(code):
    return str(OUTCOME_LABELS.get(code, code))


# ------------------------------------------------------------------ who sees what

def can_see_names(user, draw, *, today=None):
    """Panel names: the operator, the supervisor (supervise), approvers (approve) at any time;
    other manage_experts staff from the engagement's first day on. Nobody else."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk == draw.operator_id or has(user, "supervise", draw.body) or has(user, "approve", draw.body):
        return True
    today = today or timezone.localdate()
    return today >= draw.engagement_start and has(user, "manage_experts", draw.body)


def can_see_full_record(user, draw):
    """The full JSON record (names, exclusion reasons per expert): operator, supervisor, approvers."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk == draw.operator_id or has(user, "supervise", draw.body) or has(user, "approve", draw.body)


def is_drawn(draw):
    """A public, redacted record exists once the entropy has been entered (the secret is revealed)."""
    return record.is_drawn(draw)


# ------------------------------------------------------------------ lists

def _list_qs():
    return Draw.objects.select_related("body", "operator", "supervisor").order_by("-created_at", "-pk")


def draw_list(body, *, status=""):
    qs = _list_qs().filter(body=body)
    if status:
        qs = qs.filter(status=status)
    return qs


def pending_designations(body):
    return _list_qs().filter(body=body, mode=Draw.Mode.DESIGNATED, status=Draw.Status.PENDING_APPROVAL)


def supervision_list(user):
    """Every draw of the bodies the user supervises, newest first."""
    return _list_qs().filter(body__in=bodies_for(user, "supervise"))


EXPORT_HEADERS = (gettext_lazy("编号"), gettext_lazy("方式"), gettext_lazy("用途"), gettext_lazy("事项名称"),
                  gettext_lazy("被检查/评审单位"), gettext_lazy("开始日期"), gettext_lazy("结束日期"),
                  gettext_lazy("地点"), gettext_lazy("所需专家人数"), gettext_lazy("状态"),
                  gettext_lazy("经办人"), gettext_lazy("监督人"), gettext_lazy("创建时间"))


def export_rows(qs):
    for d in qs.iterator(chunk_size=500):
        yield [d.number, d.get_mode_display(), d.get_purpose_display(), d.title, d.reviewed_unit,
               d.engagement_start, d.engagement_end, d.place, d.needed, d.get_status_display(),
               str(d.operator), str(d.supervisor), timezone.localtime(d.created_at).strftime("%Y-%m-%d %H:%M")]


# ------------------------------------------------------------------ one draw

def draw_for_detail(body, pk):
    """The draw of this body (Draw.DoesNotExist for another body's draw)."""
    return (Draw.objects.select_related("body", "body__policy", "operator", "supervisor", "entropy_by",
                                        "designation_decided_by")
            .prefetch_related("fields", "excluded_experts").get(body=body, pk=pk))


def draw_by_pk(pk):
    return Draw.objects.select_related("body", "operator", "supervisor", "entropy_by").get(pk=pk)


def invitations(draw):
    return list(Invitation.objects.filter(draw=draw).select_related("expert").order_by("rank", "invited_at", "pk"))


def expert_names(ids):
    """{id: public_name} of the given experts (one query)."""
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    return dict(Expert.objects.filter(pk__in=ids).values_list("pk", "public_name"))


def exclusions_by_reason(draw):
    """{reason code: [ids]} of the frozen exclusions (records v1 and v2)."""
    from ..draws.fairness import exclusions_by_reason as by_reason

    return by_reason(record.frozen_exclusions(draw), record.draw_algorithm(draw))


def record_exclusions_by_expert(draw):
    return record.exclusions_by_expert(draw)


def record_excluded_ids(draw):
    return record.excluded_ids(draw)


def draw_algorithm(draw):
    return record.draw_algorithm(draw)


def excluded_count(draw):
    """How many members the frozen pool left out (each counted once): those listed with their
    grounds and, in a v3 record, those that did not meet the conditions."""
    return record.excluded_count(draw)


def exclusion_summary(draw):
    """[(label, count)] of the frozen exclusions, by reason (an expert may have several); a v3
    record adds one line for the members that did not meet the conditions."""
    counts = {code: len(ids) for code, ids in exclusions_by_reason(draw).items()}
    rows = [(reason_label(code), n) for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    unmatched = record.unmatched_count(draw)
    if unmatched:
        rows.insert(0, (str(UNMATCHED_LABEL), unmatched))
    return rows


WHY_LIMIT = 10


def why_not_in_pool(draw, q):
    """For the operator, supervisor and approvers of a frozen draw: where each member matching
    `q` (expert number, certificate number or name; at most WHY_LIMIT) stands in the frozen pool.
    [{"expert", "state": "pool" | "listed" | "unmatched" | "inactive", "labels": [...]}]:
    "listed" carries the grounds the record lists; "unmatched" (record v3: counted, not listed)
    carries the conditions the member fails on today's data, which the freeze applied to the data
    of its day. Three queries."""
    from ..draws.pool import member_reasons

    q = (q or "").strip()[:100]
    if not q or not draw.pool_hash:
        return []
    match = Q(certificate_no=q) | Q(public_name=q)
    if q.isdigit():
        match |= Q(pk=int(q))
    experts = list(Expert.objects.filter(body_id=draw.body_id).filter(match).order_by("pk")[:WHY_LIMIT])
    if not experts:
        return []
    pool, listed = set(draw.pool or []), record_exclusions_by_expert(draw)
    unlisted = [e.pk for e in experts if e.pk not in pool and str(e.pk) not in listed]
    today = member_reasons(draw, unlisted) if unlisted else {}
    rows = []
    for e in experts:
        if e.pk in pool:
            rows.append({"expert": e, "state": "pool", "labels": []})
        elif str(e.pk) in listed:
            rows.append({"expert": e, "state": "listed", "labels": [reason_label(c) for c in listed[str(e.pk)]]})
        elif e.pk in today:
            rows.append({"expert": e, "state": "unmatched", "labels": [
                reason_label(c) for c in today[e.pk] if c.startswith("condition:")]})
        else:
            rows.append({"expert": e, "state": "inactive", "labels": []})
    return rows


EXCLUSION_ROWS_SHOWN = 200  # a pool of 100 000 excludes tens of thousands: the full list is in the record JSON


def exclusion_rows(draw, names):
    """[(expert id, name, [labels])] for the operator, supervisor and approvers: the first
    EXCLUSION_ROWS_SHOWN excluded experts by id (the full list is in the record JSON)."""
    rows = []
    by_expert = record_exclusions_by_expert(draw)
    for key in sorted(by_expert, key=int)[:EXCLUSION_ROWS_SHOWN]:
        rows.append((int(key), names.get(int(key), ""), [reason_label(c) for c in by_expert[key]]))
    return rows


def walk_rows(draw, names=None):
    """The recorded walk (`draw.picks`) with labels; names only when given."""
    names = names or {}
    return [{**p, "outcome_label": outcome_label(p.get("outcome", "")),
             "reason_label": reason_label(p["reason"]) if p.get("reason") else "",
             "name": names.get(p.get("expert"), ""), "at_display": _moment(p.get("at"))} for p in (draw.picks or [])]


def _moment(value):
    """An ISO timestamp of the record as Beijing time, "2026-03-18 10:02:11"."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    if timezone.is_naive(moment):
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def ids_for_names(draw, invitation_list):
    ids = set(sorted(record_excluded_ids(draw))[:EXCLUSION_ROWS_SHOWN])  # the rows exclusion_rows shows
    ids.update(p["expert"] for p in (draw.picks or []) if "expert" in p)
    ids.difference_update(i.expert_id for i in invitation_list)  # names of invitations come with them
    return ids


def panel(invitation_list):
    """The invitations that make up the panel (accepted or awaiting an answer)."""
    return [i for i in invitation_list if i.status in (Invitation.Status.ACCEPTED, Invitation.Status.INVITED)]


def status_counts(invitation_list):
    counts = Counter(i.status for i in invitation_list)
    return [(label, counts.get(value, 0)) for value, label in Invitation.Status.choices if counts.get(value)]


def audit_trail(draw, invitation_ids):
    """Audit events whose target is this draw or one of its invitations, oldest first."""
    cts = ContentType.objects.get_for_models(Draw, Invitation)
    cond = Q(target_type=cts[Draw], target_id=str(draw.pk))
    if invitation_ids:
        cond |= Q(target_type=cts[Invitation], target_id__in=[str(i) for i in invitation_ids])
    return list(AuditEvent.objects.filter(cond).select_related("actor").order_by("created_at", "id"))


def field_choices(body):
    """The body's field tree as (field, depth) in display order (one query)."""
    nodes = list(ExpertField.objects.filter(body=body).order_by("order", "code"))
    children = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    out = []

    def walk(parent_id, depth):
        for n in children.get(parent_id, []):
            out.append((n, depth))
            walk(n.pk, depth + 1)

    walk(None, 0)
    return out


def search_active_experts(body, q, *, limit=20):
    """Active members of the body matching a name, certificate number or employer."""
    q = (q or "").strip()
    if not q:
        return []
    return list(Expert.objects.filter(body=body, status=Expert.Status.ACTIVE)
                .filter(Q(public_name__icontains=q) | Q(certificate_no__icontains=q) | Q(public_employer__icontains=q))
                .order_by("public_name", "pk")[:limit])
