"""The eligible pool of a draw: conditions, the five recusal grounds, rotation and declared
conflicts, each exclusion with its reason codes, from a constant number of set-based
queries whatever the pool size (see eligible_pool)."""
import re
from dataclasses import dataclass, field

from ..models import Booking, Draw, Expert, ExpertField, Invitation
from ..models.pool import TITLE_RANK

# reason codes, in the order they are listed for an excluded expert
CONDITION_CODES = ("condition:fields", "condition:min_title_level", "condition:regions", "condition:employer_types")
RECUSAL_CODES = ("employer", "participant", "relation", "written_request", "booked")
OTHER_CODES = ("rotation", "declared_conflict")
REASON_CODES = CONDITION_CODES + RECUSAL_CODES + OTHER_CODES
DRAWN_STATUSES = (Draw.Status.INVITING, Draw.Status.COMPLETE, Draw.Status.EXHAUSTED)


@dataclass
class PoolResult:
    pool_ids: list = field(default_factory=list)
    exclusions: dict = field(default_factory=dict)  # {str(expert id): [reason codes]}


def normalize(text):
    """Case- and space-insensitive form used to compare unit and person names."""
    return re.sub(r"[ \t\n\r\u3000]+", "", str(text or "")).lower()


def field_codes_with_descendants(fields):
    """ids of the given fields and of their children (a condition on a parent field
    admits experts of its sub-fields)."""
    ids = {f.pk for f in fields}
    if not ids:
        return []
    return sorted(ids | set(ExpertField.objects.filter(parent_id__in=ids).values_list("pk", flat=True)))


def target_count(needed, snapshot):
    """How many invitations a need of `needed` calls for under the draw ratio (1:1 → needed)."""
    num = int(snapshot.get("draw_ratio_num") or 1)
    den = int(snapshot.get("draw_ratio_den") or 1)
    return -(-needed * num // den)


def draw_conditions(draw):
    """The conditions as committed in the pool hash (JSON-ready, sorted)."""
    snapshot = draw.policy_snapshot or {}
    by_field = {str(k): int(v) for k, v in sorted((draw.needs_by_field or {}).items())}
    return {
        "fields": sorted(f.code for f in draw.fields.all()) if draw.pk else [],
        "min_title_level": draw.min_title_level or "",
        "regions": sorted(draw.regions or []),
        "employer_types": sorted(draw.employer_types or []),
        "engagement_start": draw.engagement_start.isoformat(),
        "engagement_end": draw.engagement_end.isoformat(),
        "needed": draw.needed,
        "needs_by_field": by_field,
        "invite": target_count(draw.needed, snapshot),
        "invite_by_field": {k: target_count(v, snapshot) for k, v in by_field.items()},
        "rotation": int(snapshot.get("rotation_consecutive_draws") or 0),
    }


def rotation_draw_ids(draw):
    """The body's last N random draws that were drawn (N = the draw's rotation setting)."""
    n = int((draw.policy_snapshot or {}).get("rotation_consecutive_draws") or 0)
    if n <= 0:
        return []
    ids = list(Draw.objects.filter(body_id=draw.body_id, mode=Draw.Mode.RANDOM, status__in=DRAWN_STATUSES,
                                   drawn_at__isnull=False).exclude(pk=draw.pk)
               .order_by("-drawn_at", "-pk").values_list("pk", flat=True)[:n])
    return ids if len(ids) == n else []  # fewer than N draws so far: nobody has N in a row


def eligible_pool(draw, *, now=None):
    """Active members of the draw's body that meet its conditions and have no recusal,
    rotation or declared-conflict ground. Returns PoolResult(pool_ids, exclusions).

    Set-based reads (a constant number of queries whatever the pool size: the members with
    the profile columns the rules need, their fields, bookings in the engagement window, the
    written exclusions, the rotation draws' panels and this draw's declared conflicts), then
    one pass in Python. Portable: PostgreSQL in production, SQLite on a laptop."""
    rotation_ids = rotation_draw_ids(draw)
    field_ids = set(field_codes_with_descendants(draw.fields.all())) if draw.pk else set()
    levels = set()
    if draw.min_title_level:
        floor = TITLE_RANK.get(draw.min_title_level, 0)
        levels = {v for v, r in TITLE_RANK.items() if r >= floor}
    regions, employer_types = set(draw.regions or []), set(draw.employer_types or [])
    units = {normalize(u) for u in [draw.reviewed_unit, *(draw.partner_units or [])] if normalize(u)}
    people = {normalize(p) for p in (draw.project_participants or []) if normalize(p)}

    members = list(Expert.objects.filter(body_id=draw.body_id, status=Expert.Status.ACTIVE).values_list(
        "id", "profile__name", "profile__employer", "profile__recent_employers", "profile__close_relations",
        "profile__shareholdings", "profile__title_level", "profile__region", "profile__employer_type"))
    in_field = set()
    if field_ids:
        in_field = set(Expert.fields.through.objects.filter(
            expert__body_id=draw.body_id, expert__status=Expert.Status.ACTIVE, expertfield_id__in=field_ids,
        ).values_list("expert_id", flat=True))
    booked = set(Booking.objects.filter(
        expert__body_id=draw.body_id, day__range=(draw.engagement_start, draw.engagement_end),
    ).values_list("expert_id", flat=True))
    written = set(draw.excluded_experts.values_list("pk", flat=True)) if draw.pk else set()
    rotated = set()
    if rotation_ids:
        picked = {}
        for expert_id, draw_id in Invitation.objects.filter(
                draw_id__in=rotation_ids, rank__isnull=False).values_list("expert_id", "draw_id").distinct():
            picked.setdefault(expert_id, set()).add(draw_id)
        rotated = {e for e, draws in picked.items() if len(draws) == len(rotation_ids)}
    conflicts = set(Invitation.objects.filter(draw_id=draw.pk or 0, status=Invitation.Status.CONFLICT)
                    .values_list("expert_id", flat=True))

    pool_ids, exclusions = [], {}
    for (pk, name, employer, recent, relations, shares, level, region, employer_type) in members:
        reasons = []
        if field_ids and pk not in in_field:
            reasons.append("condition:fields")
        if levels and level not in levels:
            reasons.append("condition:min_title_level")
        if regions and region not in regions:
            reasons.append("condition:regions")
        if employer_types and employer_type not in employer_types:
            reasons.append("condition:employer_types")
        if units:
            employers = {normalize(employer)} | {normalize(r) for r in (recent if isinstance(recent, list) else [])}
            if employers & units:
                reasons.append("employer")
        if people and normalize(name) in people:
            reasons.append("participant")
        if units:
            declared = normalize(f"{relations or ''} {shares or ''}")
            if any(u in declared for u in units):
                reasons.append("relation")
        if pk in written:
            reasons.append("written_request")
        if pk in booked:
            reasons.append("booked")
        if pk in rotated:
            reasons.append("rotation")
        if pk in conflicts:
            reasons.append("declared_conflict")
        if reasons:
            exclusions[str(pk)] = reasons
        else:
            pool_ids.append(pk)
    pool_ids.sort()
    exclusions = {k: exclusions[k] for k in sorted(exclusions, key=int)}
    return PoolResult(pool_ids, exclusions)
