"""Random draws (随机抽取) and designations (指定): every state change of a Draw.

    draw = create_draw(body, actor=staff, data={...}, fields=[...])
    draw = freeze_pool(draw, actor=staff)            # commitment published; draw.warning if short
    draw = enter_entropy(draw, actor=supervisor, value="38 12 7", source="…")
    reply(invitation, actor=expert_user, answer="decline", reason="出差")   # replacement drawn 1:1
    expire_due_invitations()                          # beat task, idempotent

The algorithm and its verification are in experts.draws.fairness; the pool in
experts.draws.pool. Walks (the initial draw and every replacement) take a per-body
advisory lock so parallel draws cannot deadlock on each other's bookings; the Booking
unique constraint (expert, day) is what guarantees nobody is booked twice: a candidate
whose booking fails inside a savepoint is skipped with the reason `booked`.
"""
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify
from portal.permissions import has, require, users_with

from ..draws import fairness
from ..draws.pool import draw_conditions, eligible_pool, target_count
from ..draws.record import frozen_conditions
from ..models import Booking, Draw, ExitTrigger, Expert, ExpertField, ExpertProfile, Invitation
from ..models.pool import TITLE_RANK
from ..workflows import DRAW_FLOW, INVITATION_FLOW
from .common import localdate, next_sequence, pool_settings

logger = logging.getLogger(__name__)

S = Draw.Status
I = Invitation.Status  # noqa: E741
ACTIVE = (I.INVITED, I.ACCEPTED)
DROPPED = {"decline": I.DECLINED, "conflict": I.CONFLICT, "accept": I.ACCEPTED}
MAX_ENGAGEMENT_DAYS = 31
WALK_LOCK = 7301  # first key of the per-body advisory lock taken while walking


class DrawError(ValidationError):
    """A draw request or action that the rules refuse; views put it on the form."""


class ReplyError(ValidationError):
    """An invitation reply that is refused (late, missing reason…)."""


# ---------------------------------------------------------------------------
# helpers


def _now(now):
    return now or timezone.now()


def _unique_users(*groups):
    seen, out = set(), []
    for group in groups:
        for user in group:
            if user is not None and user.pk not in seen:
                seen.add(user.pk)
                out.append(user)
    return out


def deadline_display(moment):
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _my_invitations_url():
    try:
        return reverse("experts:my-invitations")
    except NoReverseMatch:
        return ""


def _draw_url(draw):
    try:
        return draw.get_absolute_url()
    except NoReverseMatch:
        return ""


def _lines(value):
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("，", "\n").replace(",", "\n").splitlines()
    return [str(v).strip() for v in value if str(v).strip()]


def _lock(draw):
    # lock the draw row only: locking the joined body row too would serialise a whole body and
    # deadlock against the FOR KEY SHARE locks that inserts referencing the body take.
    # The frozen exclusions (up to one id per member) are written once by freeze_pool and never
    # read by a state change: not loaded here (a save() then leaves them alone).
    return (Draw.objects.select_for_update(of=("self",)).select_related("body", "supervisor").defer("exclusions")
            .get(pk=draw.pk))


def _walk_lock(body_id):
    """Serialise walks within one body (held to the end of the transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [WALK_LOCK, body_id])


def _event(rank, expert_id, outcome, now, **extra):
    return {"rank": rank, "expert": expert_id, "outcome": outcome, "at": now.isoformat(), **extra}


# ---------------------------------------------------------------------------
# the request (draft)

TEXT_FIELDS = ("title", "reviewed_unit", "place")
LIST_FIELDS = ("partner_units", "project_participants", "regions", "employer_types")


def _clean(body, data, *, fields, excluded_experts, now):
    """Validate a draw request. Returns (values, fields, excluded_experts); raises DrawError
    with a message per field and changes nothing."""
    errors = {}
    values = {}
    for name in TEXT_FIELDS:
        values[name] = str(data.get(name) or "").strip()
        if not values[name]:
            errors[name] = _("请填写此项。")
    values["purpose"] = data.get("purpose") or ""
    if values["purpose"] not in Draw.Purpose.values:
        errors["purpose"] = _("请选择抽取用途。")
    for name in LIST_FIELDS:
        values[name] = _lines(data.get(name))
    bad_types = [t for t in values["employer_types"] if t not in ExpertProfile.EmployerType.values]
    if bad_types:
        errors["employer_types"] = _("未知的单位性质：%(v)s。") % {"v": "、".join(bad_types)}
    values["min_title_level"] = data.get("min_title_level") or ""
    if values["min_title_level"] and values["min_title_level"] not in TITLE_RANK:
        errors["min_title_level"] = _("请选择有效的职称等级。")
    start, end = data.get("engagement_start"), data.get("engagement_end") or data.get("engagement_start")
    values["engagement_start"], values["engagement_end"] = start, end
    if not start:
        errors["engagement_start"] = _("请填写开始日期。")
    elif start < localdate(now):
        errors["engagement_start"] = _("开始日期不能早于今天。")
    elif end < start:
        errors["engagement_end"] = _("结束日期不能早于开始日期。")
    elif (end - start).days + 1 > MAX_ENGAGEMENT_DAYS:
        errors["engagement_end"] = _("一次抽取的工作日程最长 %(n)s 天。") % {"n": MAX_ENGAGEMENT_DAYS}
    try:
        needed = int(data.get("needed") or 0)
    except (TypeError, ValueError):
        needed = 0
    values["needed"] = needed
    if needed < 1:
        errors["needed"] = _("所需专家人数至少为 1。")
    field_codes = set(ExpertField.objects.filter(body=body).values_list("code", flat=True))
    by_field = {}
    for code, n in dict(data.get("needs_by_field") or {}).items():
        try:
            n = int(n)
        except (TypeError, ValueError):
            n = 0
        if code not in field_codes:
            errors["needs_by_field"] = _("未知的专业领域代码：%(code)s。") % {"code": code}
        elif n < 1:
            errors["needs_by_field"] = _("每个领域的人数至少为 1。")
        else:
            by_field[code] = n
    if by_field and "needs_by_field" not in errors and sum(by_field.values()) != needed:
        errors["needs_by_field"] = _("各领域人数合计 %(sum)s，与所需人数 %(needed)s 不一致。") % {
            "sum": sum(by_field.values()), "needed": needed}
    values["needs_by_field"] = by_field
    reply_hours = data.get("reply_hours") or body.policy.invitation_reply_hours
    try:
        reply_hours = int(reply_hours)
    except (TypeError, ValueError):
        reply_hours = 0
    if not 1 <= reply_hours <= 720:
        errors["reply_hours"] = _("答复时限应在 1 至 720 小时之间。")
    values["reply_hours"] = reply_hours
    supervisor = data.get("supervisor")
    if supervisor is None:
        errors["supervisor"] = _("请选择监督人。")
    elif not has(supervisor, "supervise", body):
        errors["supervisor"] = _("所选人员不是本机构的监督人。")
    values["supervisor"] = supervisor
    fields = list(fields or [])
    if any(f.body_id != body.pk for f in fields):
        errors["fields"] = _("只能选择本机构的专业领域。")
    excluded = list(excluded_experts or [])
    if any(e.body_id != body.pk for e in excluded):
        errors["excluded_experts"] = _("只能选择本机构的入库专家。")
    if errors:
        raise DrawError(errors)
    return values, fields, excluded


def draw_number(body, now):
    year = localdate(now).year
    seq = next_sequence(body, "draw", year)
    prefix = pool_settings(body).notice_prefix or body.key
    return f"{prefix}抽〔{year}〕{seq}号"


def create_draw(body, *, actor, data, fields=(), excluded_experts=(), exclusion_letter=None, now=None):
    """Staff open a draw request (DRAFT). The policy in force is copied into the draw."""
    now = _now(now)
    require(actor, "manage_experts", body)
    values, fields, excluded = _clean(body, data, fields=fields, excluded_experts=excluded_experts, now=now)
    with transaction.atomic():
        draw = Draw(body=body, number=draw_number(body, now), mode=Draw.Mode.RANDOM, status=S.DRAFT,
                    operator=actor, policy_snapshot=body.policy.snapshot(), **values)
        if exclusion_letter:
            draw.exclusion_letter = exclusion_letter
        draw.save()
        draw.fields.set(fields)
        draw.excluded_experts.set(excluded)
        audit.record(actor, "experts.draw.create", draw, body=body, now=now, data={
            "number": draw.number, "needed": draw.needed, "purpose": draw.purpose,
            "fields": sorted(f.code for f in fields), "excluded_experts": sorted(e.pk for e in excluded),
            "exclusion_letter": bool(exclusion_letter)})
    return draw


def update_draft(draw, *, actor, data=None, fields=None, excluded_experts=None, exclusion_letter=None, now=None):
    """Edit a draft request; refused once the pool is frozen."""
    now = _now(now)
    with transaction.atomic():
        draw = _lock(draw)
        require(actor, "manage_experts", draw.body)
        if draw.status != S.DRAFT or draw.mode != Draw.Mode.RANDOM:
            raise DrawError(_("专家池已冻结，抽取条件不能再修改。"))
        current = {name: getattr(draw, name) for name in
                   TEXT_FIELDS + LIST_FIELDS + ("purpose", "min_title_level", "engagement_start", "engagement_end",
                                                "needed", "needs_by_field", "reply_hours")}
        current["supervisor"] = draw.supervisor
        merged = {**current, **(data or {})}
        values, new_fields, excluded = _clean(
            draw.body, merged, fields=fields if fields is not None else draw.fields.all(),
            excluded_experts=excluded_experts if excluded_experts is not None else draw.excluded_experts.all(),
            now=now)
        before, after = audit.apply_changes(draw, values)
        if exclusion_letter:
            draw.exclusion_letter = exclusion_letter
            after["exclusion_letter"] = True
        draw.save()
        if fields is not None:
            draw.fields.set(new_fields)
            after["fields"] = sorted(f.code for f in new_fields)
        if excluded_experts is not None:
            draw.excluded_experts.set(excluded)
            after["excluded_experts"] = sorted(e.pk for e in excluded)
        if "supervisor" in after:
            before["supervisor"], after["supervisor"] = before["supervisor"].pk, after["supervisor"].pk
        audit.record(actor, "experts.draw.update", draw, body=draw.body, now=now,
                     data={"before": before, "after": after})
    return draw


def cancel_draw(draw, *, actor, reason, now=None):
    """Cancel a draft or committed draw, with a reason."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise DrawError({"reason": _("请说明取消理由。")})
    with transaction.atomic():
        draw = _lock(draw)
        DRAW_FLOW.check(draw, to=S.CANCELLED, actor=actor)
        was = draw.status
        draw.status = S.CANCELLED
        draw.save(update_fields=["status"])
        audit.record(actor, "experts.draw.cancel", draw, body=draw.body, now=now,
                     data={"from": was, "reason": reason})
        if was == S.COMMITTED:
            notify.later([draw.supervisor], "draw_cancelled", draw, body=draw.body,
                         subject=notify.fmt(gettext_lazy("专家抽取已取消：%(n)s"), n=draw.number),
                         text=notify.fmt(gettext_lazy("%(n)s（%(t)s）已取消。理由：%(r)s"), n=draw.number, t=draw.title,
                                         r=reason),
                         url=_draw_url(draw))
    return draw


# ---------------------------------------------------------------------------
# the commitment


def freeze_pool(draw, *, actor, now=None):
    """Freeze the eligible pool and publish the commitment (DRAFT → COMMITTED).
    Returns the draw with `warning` set (non-empty when fewer are eligible than needed);
    refuses with DrawError when nobody is eligible."""
    now = _now(now)
    with transaction.atomic():
        draw = _lock(draw)
        DRAW_FLOW.check(draw, to=S.COMMITTED, actor=actor)
        if draw.mode != Draw.Mode.RANDOM:
            raise DrawError(_("指定专家不经过随机抽取。"))
        conditions = draw_conditions(draw)
        result = eligible_pool(draw, now=now, conditions=conditions)
        excluded = result.excluded_count
        if not result.pool_ids:
            raise DrawError(_("没有符合条件的专家（已排除 %(n)s 人），无法冻结专家池。请调整抽取条件。")
                            % {"n": excluded})
        secret = fairness.new_secret()
        draw.policy_snapshot = {**(draw.policy_snapshot or {}), "draw_conditions": conditions,
                                "draw_algorithm": fairness.ALGORITHM}
        draw.pool = result.pool_ids
        draw.exclusions = result.reason_ids  # {reason code: "id,id,…"} (the format of record.store_exclusions)
        draw.pool_members = result.members
        # the canonical bytes of fairness.canonical_pool(V3), built from the id strings as they are
        draw.pool_hash = hashlib.sha256(fairness.canonical_pool_text(
            draw.pk, draw.body.key, result.pool_text, result.reason_ids, conditions,
            fairness.ALGORITHM, result.members)).hexdigest()
        draw.secret = secret
        draw.secret_hash = fairness.secret_hash(secret)
        draw.status = S.COMMITTED
        draw.committed_at = now
        draw.save(update_fields=["policy_snapshot", "pool", "exclusions", "pool_members", "pool_hash", "secret",
                                 "secret_hash", "status", "committed_at"])
        audit.record(actor, "experts.draw.freeze", draw, body=draw.body, now=now, data={
            "pool_size": len(result.pool_ids), "excluded": excluded, "unmatched": result.unmatched,
            "pool_hash": draw.pool_hash, "secret_hash": draw.secret_hash})
        notify.later([draw.supervisor], "draw_committed", draw, body=draw.body,
                     subject=notify.fmt(gettext_lazy("请见证专家抽取：%(n)s"), n=draw.number),
                     text=notify.fmt(gettext_lazy("%(n)s（%(t)s）已冻结专家池（%(k)s 人符合条件），请输入公开随机数以进行抽取。"), n=draw.number,
                                     t=draw.title, k=len(result.pool_ids)),
                     url=_draw_url(draw))
    draw.warning = ""
    if len(result.pool_ids) < conditions["invite"]:
        draw.warning = _("符合条件的专家只有 %(k)s 人，少于所需的 %(n)s 人：抽取后专家组将不齐。") % {
            "k": len(result.pool_ids), "n": conditions["invite"]}
    return draw


# ---------------------------------------------------------------------------
# the walk


@dataclass
class WalkResult:
    invitations: list = field(default_factory=list)
    events: list = field(default_factory=list)
    exhausted: bool = False


def _open_slots(draw, *, first=False):
    """Invitations still to send, per field code ("" when the need is not split by field).
    `first`: the draw's first walk, when no invitation exists yet (no query)."""
    conditions = frozen_conditions(draw)
    targets = conditions.get("invite_by_field") or {"": conditions.get("invite", target_count(
        draw.needed, draw.policy_snapshot or {}))}
    split = "" not in targets
    counts = {}
    for code in [] if first else draw.invitations.filter(status__in=ACTIVE).values_list("field_code", flat=True):
        key = code if split else ""
        counts[key] = counts.get(key, 0) + 1
    return {code: max(0, n - counts.get(code, 0)) for code, n in sorted(targets.items())}


def _walked(draw):
    return sum(1 for e in draw.picks or [] if e.get("outcome") in fairness.WALK_OUTCOMES)


def _candidate_info(chunk, by_field):
    # order_by(): Expert's default ordering (body, certificate) would join and sort the bodies
    statuses = dict(Expert.objects.filter(pk__in=chunk).order_by().values_list("pk", "status"))
    codes = {}
    if by_field:
        rows = Expert.fields.through.objects.filter(expert_id__in=chunk).order_by().values_list(
            "expert_id", "expertfield__code", "expertfield__parent__code")
        for expert_id, code, parent in rows:
            codes.setdefault(expert_id, set()).update(c for c in (code, parent) if c)
    return statuses, codes


def _decide(expert_id, statuses, codes, slots, by_field):
    """(field_code, None) when the candidate takes a slot, (None, reason) when skipped."""
    if statuses.get(expert_id) != Expert.Status.ACTIVE:
        return None, "inactive"
    if not by_field:
        return "", None
    for code in sorted(slots):
        if slots[code] > 0 and code in codes.get(expert_id, ()):
            return code, None
    return None, "field_full"


def _insert(draw, picks, now):
    """Create invitations and their bookings; raises IntegrityError if a day is taken."""
    invitations = Invitation.objects.bulk_create([
        Invitation(draw=draw, expert_id=expert_id, rank=rank, field_code=code, status=I.INVITED,
                   invited_at=now, reply_by=now + timedelta(hours=draw.reply_hours))
        for expert_id, rank, code in picks])
    days = [draw.engagement_start + timedelta(days=n)
            for n in range((draw.engagement_end - draw.engagement_start).days + 1)]
    Booking.objects.bulk_create([Booking(expert_id=inv.expert_id, day=day, invitation=inv)
                                 for inv in invitations for day in days])
    return invitations


def _walk(draw, slots, now):
    """Walk the draw's order from the next rank until `slots` are filled or the order ends."""
    by_field = not (len(slots) == 1 and "" in slots)
    order = fairness.Order(draw.pool, draw.seed)  # ranked as far as the walk reads it
    idx = _walked(draw)
    result = WalkResult()
    while sum(slots.values()) > 0 and idx < len(order):
        chunk = order.take(idx, idx + max(2 * sum(slots.values()), 10))
        statuses, codes = _candidate_info(chunk, by_field)
        # optimistic: plan the chunk assuming no booking clash, insert it in one go
        plan, trial = [], dict(slots)
        for offset, expert_id in enumerate(chunk):
            if sum(trial.values()) == 0:
                break
            code, reason = _decide(expert_id, statuses, codes, trial, by_field)
            plan.append((expert_id, idx + offset + 1, code, reason))
            if reason is None:
                trial[code] -= 1
        try:
            with transaction.atomic():
                created = _insert(draw, [(e, r, c) for e, r, c, why in plan if why is None], now)
        except IntegrityError:
            # someone booked a candidate after the pool froze: one candidate at a time
            plan, created, trial = [], [], dict(slots)
            for offset, expert_id in enumerate(chunk):
                if sum(trial.values()) == 0:
                    break
                rank = idx + offset + 1
                code, reason = _decide(expert_id, statuses, codes, trial, by_field)
                if reason is None:
                    try:
                        with transaction.atomic():
                            created += _insert(draw, [(expert_id, rank, code)], now)
                    except IntegrityError:
                        code, reason = None, "booked"
                plan.append((expert_id, rank, code, reason))
                if reason is None:
                    trial[code] -= 1
        for expert_id, rank, code, reason in plan:
            if reason is None:
                extra = {"field": code} if by_field else {}
                result.events.append(_event(rank, expert_id, "invited", now, **extra))
            else:
                result.events.append(_event(rank, expert_id, "skipped", now, reason=reason))
        result.invitations += created
        slots.clear()
        slots.update(trial)
        idx += len(plan)
    result.exhausted = sum(slots.values()) > 0
    return result


def _is_complete(draw):
    """Every needed seat (per field when split) holds an accepted invitation."""
    accepted = {}
    for code in draw.invitations.filter(status=I.ACCEPTED).values_list("field_code", flat=True):
        accepted[code] = accepted.get(code, 0) + 1
    needs = draw.needs_by_field or {}
    if needs and draw.mode == Draw.Mode.RANDOM:
        return all(accepted.get(code, 0) >= int(n) for code, n in needs.items())
    return sum(accepted.values()) >= draw.needed


def _alert_exhausted(draw, now):
    users = _unique_users(users_with("manage_experts", draw.body), [draw.supervisor, draw.operator])
    notify.later(users, "draw_exhausted", draw, body=draw.body,
                 subject=notify.fmt(gettext_lazy("专家抽取人数不足：%(n)s"), n=draw.number),
                 text=notify.fmt(gettext_lazy("%(n)s（%(t)s）符合条件的专家已全部抽取，专家组仍缺 %(k)s 人。请调整条件另行抽取或按规定指定专家。"),
                                 n=draw.number, t=draw.title, k=sum(_open_slots(draw).values())),
                 url=_draw_url(draw), dedupe_key=f"draw-exhausted:{draw.pk}")


def _alert_complete(draw, now):
    notify.later(_unique_users([draw.operator, draw.supervisor]), "draw_complete", draw, body=draw.body,
                 subject=notify.fmt(gettext_lazy("专家组已齐：%(n)s"), n=draw.number),
                 text=notify.fmt(gettext_lazy("%(n)s（%(t)s）的专家均已接受邀请。"), n=draw.number, t=draw.title),
                 url=_draw_url(draw))


def _deliver_invitations(invitation_ids):
    """After commit: hand the new invitations to the invitation channel (in-app, e-mail, link)
    through the worker (experts.send-invitations); when the broker cannot take the task, here
    and now, so that no drawn expert goes uninvited."""
    from kombu.exceptions import OperationalError

    from ..tasks import send_invitations
    from .invitations import send_invitation_ids

    try:
        send_invitations.delay(list(invitation_ids))
    except OperationalError:  # the broker is down: the request sends them itself
        logger.exception("experts.send-invitations could not be enqueued; sending %s invitations in-process",
                         len(invitation_ids))
        send_invitation_ids(invitation_ids)


def _send_later(invitations):
    ids = [inv.pk for inv in invitations]
    if ids:
        transaction.on_commit(lambda: _deliver_invitations(ids))


def _settle(draw, walk, now, *, first=False):
    """Move INVITING ↔ COMPLETE / → EXHAUSTED after a walk or an answer; returns the new
    status if it changed. `first`: right after the first walk, when nobody can have accepted."""
    if draw.status == S.INVITING and walk is not None and walk.exhausted:
        DRAW_FLOW.check(draw, to=S.EXHAUSTED, actor=None)
        draw.status = S.EXHAUSTED
        _alert_exhausted(draw, now)
        return S.EXHAUSTED
    if draw.status == S.INVITING and not first and _is_complete(draw):
        DRAW_FLOW.check(draw, to=S.COMPLETE, actor=None)
        draw.status, draw.completed_at = S.COMPLETE, now
        _alert_complete(draw, now)
        return S.COMPLETE
    return None


def enter_entropy(draw, *, actor, value, source, now=None):
    """The supervisor enters the public entropy after the commitment: the seed is fixed,
    the order derived and `needed` experts (per field) booked and invited (COMMITTED →
    INVITING, or EXHAUSTED when the pool runs out). The secret is revealed from now on."""
    now = _now(now)
    value, source = (value or "").strip(), (source or "").strip()
    errors = {}
    if not value:
        errors["value"] = _("请输入公开随机数。")
    elif len(value) > 200:
        errors["value"] = _("公开随机数最长 200 个字符。")
    if not source:
        errors["source"] = _("请说明随机数的来源。")
    elif len(source) > 200:
        errors["source"] = _("来源说明最长 200 个字符。")
    if errors:
        raise DrawError(errors)
    with transaction.atomic():
        draw = _lock(draw)
        DRAW_FLOW.check(draw, to=S.INVITING, actor=actor)
        if actor is not None and not actor.is_superuser and actor.pk != draw.supervisor_id:
            raise PermissionDenied(_("只有本次抽取指定的监督人可以输入公开随机数。"))
        draw.entropy, draw.entropy_source = value, source
        draw.entropy_by = actor if getattr(actor, "is_authenticated", False) else None
        draw.seed = fairness.derive_seed(draw.secret, value)
        draw.status, draw.drawn_at = S.INVITING, now
        _walk_lock(draw.body_id)
        # committed → inviting happens once: no invitation exists before this walk
        walk = _walk(draw, _open_slots(draw, first=True), now)
        draw.picks = list(draw.picks or []) + walk.events
        _settle(draw, walk, now, first=True)
        # the frozen pool and exclusions are unchanged: write only what the run changed
        draw.save(update_fields=["entropy", "entropy_source", "entropy_by", "seed", "status", "drawn_at",
                                 "picks", "completed_at"])
        audit.record(actor, "experts.draw.run", draw, body=draw.body, now=now, data={
            "entropy": value, "entropy_source": source, "seed": draw.seed, "status": draw.status,
            "invited": [e["expert"] for e in walk.events if e["outcome"] == "invited"],
            "skipped": {str(e["expert"]): e["reason"] for e in walk.events if e["outcome"] == "skipped"}})
        _send_later(walk.invitations)
    return draw


def fill_shortfall(draw, *, now=None):
    """The system replaces declined, conflicting and expired invitations 1:1 from the next
    ranks; COMPLETE when every needed expert accepted; EXHAUSTED (and alerts) when the
    order is used up. A no-op when nothing is missing, so it may run any number of times."""
    now = _now(now)
    with transaction.atomic():
        draw = _lock(draw)
        if draw.status not in (S.INVITING, S.COMPLETE):
            return draw
        slots = _open_slots(draw) if draw.mode == Draw.Mode.RANDOM else {}
        changed, walk = False, None
        if sum(slots.values()) > 0 or (draw.status == S.COMPLETE and not _is_complete(draw)):
            if draw.status == S.COMPLETE:
                DRAW_FLOW.check(draw, to=S.INVITING, actor=None)
                draw.status, draw.completed_at, changed = S.INVITING, None, True
        if sum(slots.values()) > 0 and draw.status == S.INVITING:
            _walk_lock(draw.body_id)
            walk = _walk(draw, slots, now)
            draw.picks = list(draw.picks or []) + walk.events
            changed = changed or bool(walk.events)
        changed = bool(_settle(draw, walk, now)) or changed
        if changed:
            draw.save(update_fields=["status", "completed_at", "picks"])
            audit.record(None, "experts.draw.replace", draw, body=draw.body, now=now, data={
                "status": draw.status,
                "invited": [e["expert"] for e in (walk.events if walk else []) if e["outcome"] == "invited"],
                "skipped": {str(e["expert"]): e["reason"] for e in (walk.events if walk else [])
                            if e["outcome"] == "skipped"}})
            if walk:
                _send_later(walk.invitations)
    return draw


# ---------------------------------------------------------------------------
# answers and expiry


def _release(invitation):
    Booking.objects.filter(invitation=invitation).delete()


def _drop(draw, inv, outcome, now, **extra):
    """An invitation leaves the panel (declined, conflict, cancelled): its bookings are released
    and, for a drawn place, the walk records the drop (the next rank then replaces it)."""
    _release(inv)
    if inv.rank is not None:
        draw.picks = list(draw.picks or []) + [_event(inv.rank, inv.expert_id, outcome, now, **extra)]
        draw.save(update_fields=["picks"])


def reply(invitation, *, actor, answer, reason="", via="web", now=None):
    """The invited expert accepts, declines (with a reason) or declares a conflict (with
    a reason). A reply at or before `reply_by` counts; after it is refused. Declines and
    conflicts release the bookings and are replaced 1:1 at once."""
    now = _now(now)
    reason = (reason or "").strip()
    if answer not in DROPPED:
        raise ReplyError({"answer": _("请选择接受、谢绝或申报回避。")})
    if answer in ("decline", "conflict") and not reason:
        raise ReplyError({"reason": _("谢绝或申报回避时请说明理由。")})
    if via not in ("web", "link"):
        raise ReplyError({"via": _("未知的答复方式。")})
    with transaction.atomic():
        draw = _lock(invitation.draw)
        inv = Invitation.objects.select_for_update(of=("self",)).select_related("expert__user").get(pk=invitation.pk)
        inv.draw = draw
        to = DROPPED[answer]
        INVITATION_FLOW.check(inv, to=to, actor=actor)
        if inv.status == I.INVITED and now > inv.reply_by:
            raise ReplyError(_("答复期限（%(d)s）已过，本次邀请已失效。") % {"d": deadline_display(inv.reply_by)})
        was = inv.status
        inv.status, inv.replied_at, inv.reply_channel, inv.reason = to, now, via, reason
        inv.save(update_fields=["status", "replied_at", "reply_channel", "reason"])
        Expert.objects.filter(pk=inv.expert_id).update(unanswered_streak=0)
        if to in (I.DECLINED, I.CONFLICT):
            _drop(draw, inv, "declined" if to == I.DECLINED else "conflict", now)
        audit.record(actor, "experts.invitation.reply", inv, body=draw.body, now=now, data={
            "draw": draw.number, "from": was, "to": to, "via": via, "reason": reason})
        fill_shortfall(draw, now=now)
    inv.refresh_from_db()
    return inv


CANCEL_REASONS = ("exited", "withdrawn")  # the code the public walk records; the words go to the audit


def cancel_invitation(invitation, *, actor, reason, code="withdrawn", now=None):
    """Withdraw an invitation still in force (invited or accepted): the expert left the pool
    (code "exited", from the exit service) or staff withdraw it with a reason. Its bookings are
    released, the walk records the cancellation (the public record carries the code, never the
    words), the expert is told, and a random draw replaces the place 1:1 from the next ranks.
    Returns the invitation."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise DrawError({"reason": _("请说明取消理由。")})
    if code not in CANCEL_REASONS:
        raise ValueError(f"unknown cancellation code {code!r}")
    with transaction.atomic():
        draw = _lock(invitation.draw)
        inv = Invitation.objects.select_for_update(of=("self",)).select_related("expert__user").get(pk=invitation.pk)
        inv.draw = draw
        INVITATION_FLOW.check(inv, to=I.CANCELLED, actor=actor)
        was = inv.status
        inv.status, inv.reason = I.CANCELLED, reason
        inv.save(update_fields=["status", "reason"])
        _drop(draw, inv, "cancelled", now, reason=code)
        audit.record(actor, "experts.invitation.cancel", inv, body=draw.body, now=now, data={
            "draw": draw.number, "expert": inv.expert_id, "from": was, "code": code, "reason": reason})
        notify.later([inv.expert.user], "draw_invitation_cancelled", inv, body=draw.body,
                     subject=notify.fmt(gettext_lazy("抽取邀请已取消：%(t)s"), t=draw.title),
                     text=notify.fmt(gettext_lazy("您在“%(t)s”（%(n)s）中的专家邀请已取消，无需再参加。理由：%(r)s"),
                                     t=draw.title, n=draw.number, r=reason),
                     url=_my_invitations_url(), dedupe_key=f"draw-invitation-cancelled:{inv.pk}")
        if draw.mode == Draw.Mode.RANDOM:
            fill_shortfall(draw, now=now)
    inv.refresh_from_db()
    return inv


def cancel_open_invitations(expert, *, actor, reason, now=None):
    """Cancel the invitations of an expert who left the pool, in draws whose engagement has not
    ended (an engagement already held keeps its attendance and rating). Returns their ids."""
    now = _now(now)
    today = localdate(now)
    ids = []
    for inv in (Invitation.objects.filter(expert=expert, status__in=ACTIVE, draw__engagement_end__gte=today)
                .select_related("draw").order_by("pk")):
        cancel_invitation(inv, actor=actor, reason=reason, code="exited", now=now)
        ids.append(inv.pk)
    return ids


def _raise_unanswered_trigger(expert, threshold, invitation, now):
    if ExitTrigger.objects.filter(expert=expert, kind=ExitTrigger.Kind.UNANSWERED,
                                  resolved_at__isnull=True).exists():
        return None
    evidence = {"count": expert.unanswered_streak, "threshold": threshold, "invitation": invitation.pk,
                "draw": invitation.draw.number}
    try:
        with transaction.atomic():
            trigger = ExitTrigger.objects.create(expert=expert, kind=ExitTrigger.Kind.UNANSWERED,
                                                 evidence=evidence, raised_at=now)
    except IntegrityError:  # raised concurrently: one open trigger is enough
        return None
    audit.record(None, "experts.exit_trigger.raise", trigger, body=expert.body, now=now,
                 data={"expert": expert.pk, "kind": trigger.kind, **evidence})
    notify.later(users_with("manage_experts", expert.body), "exit_trigger_unanswered", trigger, body=expert.body,
                 subject=notify.fmt(gettext_lazy("出库情形提示：%(name)s"), name=expert.public_name),
                 text=notify.fmt(gettext_lazy("%(name)s 已连续 %(n)s 次未答复抽取邀请（规定 %(t)s 次），请核实并决定是否启动出库程序。"),
                                 name=expert.public_name, n=expert.unanswered_streak, t=threshold), url="")
    return trigger


def expire_due_invitations(*, now=None):
    """System task: invitations still unanswered after `reply_by` expire, the expert's
    unanswered streak grows (an exit trigger at the policy's count), bookings are
    released and the draw is refilled. Idempotent: run twice or late, each expires once."""
    now = _now(now)
    due = list(Invitation.objects.filter(status=I.INVITED, reply_by__lt=now)
               .order_by("draw_id", "pk").values_list("draw_id", "pk"))
    by_draw = {}
    for draw_id, pk in due:
        by_draw.setdefault(draw_id, []).append(pk)
    expired = 0
    for draw_id, pks in by_draw.items():
        with transaction.atomic():
            draw = Draw.objects.select_for_update(of=("self",)).select_related("body").get(pk=draw_id)
            rows = list(Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                        .filter(pk__in=pks, status=I.INVITED, reply_by__lt=now)
                        .select_related("expert").order_by("rank", "pk"))
            if not rows:
                continue
            threshold = (draw.policy_snapshot or {}).get("unanswered_invitations_exit")
            events = []
            for inv in rows:
                inv.draw = draw
                INVITATION_FLOW.check(inv, to=I.EXPIRED, actor=None)
                inv.status = I.EXPIRED
                inv.save(update_fields=["status"])
                _release(inv)
                Expert.objects.filter(pk=inv.expert_id).update(unanswered_streak=F("unanswered_streak") + 1)
                inv.expert.refresh_from_db(fields=["unanswered_streak"])
                if threshold and inv.expert.unanswered_streak >= int(threshold):
                    _raise_unanswered_trigger(inv.expert, int(threshold), inv, now)
                if inv.rank is not None:
                    events.append(_event(inv.rank, inv.expert_id, "expired", now))
            if events:
                draw.picks = list(draw.picks or []) + events
                draw.save(update_fields=["picks"])
            audit.record(None, "experts.invitation.expire", draw, body=draw.body, now=now, data={
                "invitations": [i.pk for i in rows], "experts": [i.expert_id for i in rows]})
            fill_shortfall(draw, now=now)
            expired += len(rows)
    return expired


# ---------------------------------------------------------------------------
# designation (指定)


def request_designation(body, *, actor, data, experts, reason, now=None):
    """Staff ask to designate named experts instead of drawing, with a stated reason
    (PENDING_APPROVAL); approvers and the supervisor are told."""
    now = _now(now)
    require(actor, "manage_experts", body)
    experts = list(experts or [])
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("指定专家须说明理由。")
    if not experts:
        errors["experts"] = _("请选择要指定的专家。")
    elif any(e.body_id != body.pk or e.status != Expert.Status.ACTIVE for e in experts):
        errors["experts"] = _("只能指定本机构在库的专家。")
    data = {**data, "needed": data.get("needed") or len(experts)}
    try:
        values, _fields, _excluded = _clean(body, data, fields=(), excluded_experts=(), now=now)
    except DrawError as exc:
        errors = {**exc.message_dict, **errors}
        values = None
    if values is not None and experts and values["needed"] != len(experts):
        errors["needed"] = _("所需人数为 %(n)s，但选择了 %(k)s 位专家。") % {"n": values["needed"], "k": len(experts)}
    if errors:
        raise DrawError(errors)
    values["needs_by_field"] = {}
    with transaction.atomic():
        draw = Draw(body=body, number=draw_number(body, now), mode=Draw.Mode.DESIGNATED, status=S.DRAFT,
                    operator=actor, policy_snapshot=body.policy.snapshot(), designation_reason=reason,
                    pool=sorted(e.pk for e in experts), **values)
        DRAW_FLOW.check(draw, to=S.PENDING_APPROVAL, actor=actor)
        draw.status = S.PENDING_APPROVAL
        draw.save()
        audit.record(actor, "experts.designation.request", draw, body=body, now=now, data={
            "number": draw.number, "experts": draw.pool, "reason": reason})
        users = _unique_users(users_with("approve", body), [draw.supervisor])
        notify.later(users, "designation_requested", draw, body=body,
                     subject=notify.fmt(gettext_lazy("指定专家待审批：%(n)s"), n=draw.number),
                     text=notify.fmt(gettext_lazy("%(n)s（%(t)s）拟指定 %(k)s 位专家。理由：%(r)s"), n=draw.number, t=draw.title,
                                     k=len(experts), r=reason),
                     url=_draw_url(draw))
    return draw


def decide_designation(draw, *, actor, approve, note="", now=None):
    """An approver approves (the named experts are booked and invited; filed for the
    supervisor) or rejects (with a note) a designation."""
    now = _now(now)
    note = (note or "").strip()
    with transaction.atomic():
        draw = _lock(draw)
        to = S.INVITING if approve else S.REJECTED
        DRAW_FLOW.check(draw, to=to, actor=actor)
        if not approve and not note:
            raise DrawError({"note": _("不批准时请说明理由。")})
        created = []
        if approve:
            experts = {e.pk: e for e in Expert.objects.filter(pk__in=draw.pool)}
            inactive = [experts[i].public_name for i in draw.pool if experts[i].status != Expert.Status.ACTIVE]
            if inactive:
                raise DrawError(_("以下专家已不在库，不能指定：%(names)s。") % {"names": "、".join(inactive)})
            _walk_lock(draw.body_id)
            for expert_id in draw.pool:
                try:
                    with transaction.atomic():
                        created += _insert(draw, [(expert_id, None, "")], now)
                except IntegrityError:
                    raise DrawError(_("%(name)s 在该日期已有其他抽取安排，不能指定。") % {
                        "name": experts[expert_id].public_name}) from None
            draw.drawn_at = now
        draw.status = to
        draw.designation_decided_by = actor if getattr(actor, "is_authenticated", False) else None
        draw.designation_decided_at, draw.designation_decision_note = now, note
        draw.save()
        audit.record(actor, "experts.designation.approve" if approve else "experts.designation.reject", draw,
                     body=draw.body, now=now, data={"note": note, "experts": list(draw.pool)})
        users = _unique_users([draw.supervisor, draw.operator])
        if approve:
            notify.later(users, "designation_approved", draw, body=draw.body,
                         subject=notify.fmt(gettext_lazy("指定专家已批准并报监督备案：%(n)s"), n=draw.number),
                         text=notify.fmt(gettext_lazy("%(n)s（%(t)s）的指定已批准，邀请已发出。指定理由：%(r)s"), n=draw.number,
                                         t=draw.title, r=draw.designation_reason),
                         url=_draw_url(draw))
            _send_later(created)
        else:
            notify.later([draw.operator], "designation_rejected", draw, body=draw.body,
                         subject=notify.fmt(gettext_lazy("指定专家未获批准：%(n)s"), n=draw.number),
                         text=notify.fmt(gettext_lazy("%(n)s（%(t)s）的指定未获批准。意见：%(r)s"), n=draw.number, t=draw.title,
                                         r=note),
                         url=_draw_url(draw))
    return draw
