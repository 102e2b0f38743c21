"""The eligible pool of a draw: conditions, the five recusal grounds, rotation and declared
conflicts, each exclusion with all its reason codes (grouped by code: record v2), from a
constant number of queries whatever the pool size — one SQL pass over the members (see
eligible_pool)."""
import json
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import BooleanField, CharField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Cast

from ..models import Booking, Draw, Expert, ExpertField, Invitation
from . import fairness
from ..models.pool import TITLE_RANK, normalize

# reason codes, in the order they are listed for an excluded expert
CONDITION_CODES = ("condition:fields", "condition:min_title_level", "condition:regions", "condition:employer_types")
RECUSAL_CODES = ("employer", "participant", "relation", "written_request", "booked")
OTHER_CODES = ("rotation", "declared_conflict")
REASON_CODES = CONDITION_CODES + RECUSAL_CODES + OTHER_CODES
DRAWN_STATUSES = (Draw.Status.INVITING, Draw.Status.COMPLETE, Draw.Status.EXHAUSTED)


@dataclass
class PoolResult:
    pool_ids: list = field(default_factory=list)
    by_reason: dict = field(default_factory=dict)  # {reason code: [sorted expert ids]}, codes in REASON_CODES order
    members: int = 0  # active members considered (each is either in the pool or excluded)

    @property
    def exclusions(self):
        """{str(expert id): [reason codes]} (the per-expert view of `by_reason`)."""
        return fairness.exclusions_by_expert(self.by_reason, fairness.V2, REASON_CODES)

    @property
    def excluded_count(self):
        return self.members - len(self.pool_ids)


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
    rotation or declared-conflict ground. Returns PoolResult(pool_ids, by_reason).

    A constant number of queries whatever the pool size: the rotation draws, the condition
    fields with their sub-fields, the written exclusions, the rotation draws' panels and this
    draw's declared conflicts (small id lists), then ONE pass over the members that evaluates
    every test in SQL (the conditions on the profile, the recusal keys ExpertProfile keeps — see
    ExpertProfile.refresh_keys —, the field memberships and the bookings as EXISTS, the small
    lists as IN) and groups the members by the combination of tests they fail: on PostgreSQL
    each group comes back as one comma-separated string of ids (a handful of rows for 100 000
    members), elsewhere (SQLite on a laptop) as rows grouped here."""
    rotation_ids = rotation_draw_ids(draw)
    field_ids = []
    if draw.pk:  # the condition fields and their sub-fields, in one query
        chosen = draw.fields.order_by().values("pk")
        field_ids = list(ExpertField.objects.filter(Q(pk__in=chosen) | Q(parent_id__in=chosen))
                         .order_by().values_list("pk", flat=True))
    levels = set()
    if draw.min_title_level:
        floor = TITLE_RANK.get(draw.min_title_level, 0)
        levels = {v for v, r in TITLE_RANK.items() if r >= floor}
    regions, employer_types = set(draw.regions or []), set(draw.employer_types or [])
    units = sorted({normalize(u) for u in [draw.reviewed_unit, *(draw.partner_units or [])] if normalize(u)})
    people = sorted({normalize(p) for p in (draw.project_participants or []) if normalize(p)})
    written = sorted(draw.excluded_experts.order_by().values_list("pk", flat=True)) if draw.pk else []
    rotated = []
    if rotation_ids:
        picked = {}
        for expert_id, draw_id in Invitation.objects.filter(
                draw_id__in=rotation_ids, rank__isnull=False).order_by().values_list("expert_id", "draw_id").distinct():
            picked.setdefault(expert_id, set()).add(draw_id)
        rotated = sorted(e for e, draws in picked.items() if len(draws) == len(rotation_ids))
    conflicts = sorted(Invitation.objects.filter(draw_id=draw.pk or 0, status=Invitation.Status.CONFLICT)
                       .order_by().values_list("expert_id", flat=True))

    # each test is true when the member fails the condition / has the ground (REASON_CODES order)
    tests = {}
    if field_ids:
        # the fields are the body's own: no join to the members needed (only members are looked up)
        tests["condition:fields"] = ~Exists(Expert.fields.through.objects.filter(
            expert_id=OuterRef("pk"), expertfield_id__in=field_ids))
    if levels:
        tests["condition:min_title_level"] = ~Q(profile__title_level__in=sorted(levels))
    if regions:
        tests["condition:regions"] = ~Q(profile__region__in=sorted(regions))
    if employer_types:
        tests["condition:employer_types"] = ~Q(profile__employer_type__in=sorted(employer_types))
    if units:
        # recent_employer_keys wraps each key in newlines, which a key never contains: whole keys
        tests["employer"] = reduce(or_, (Q(profile__recent_employer_keys__contains=f"\n{u}\n") for u in units),
                                   Q(profile__employer_key__in=units))
    if people:
        tests["participant"] = Q(profile__name_key__in=people)
    if units:
        tests["relation"] = reduce(or_, (Q(profile__declared_key__contains=u) for u in units))
    if written:
        tests["written_request"] = Q(pk__in=written)
    tests["booked"] = Exists(Booking.objects.filter(
        expert_id=OuterRef("pk"), day__range=(draw.engagement_start, draw.engagement_end)))
    if rotated:
        tests["rotation"] = Q(pk__in=rotated)
    if conflicts:
        tests["declared_conflict"] = Q(pk__in=conflicts)

    codes = list(tests)
    aliases = [f"t{i}" for i in range(len(codes))]
    members = (Expert.objects.filter(body_id=draw.body_id, status=Expert.Status.ACTIVE).order_by()
               .annotate(**{a: ExpressionWrapper(t, output_field=BooleanField()) for a, t in zip(aliases, tests.values())}))
    groups = []  # [(tuple of test results, [ids])]
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import StringAgg

        if connection.in_atomic_block:
            # the planner's estimate for the EXISTS/LIKE tests is far off: JIT compiling the
            # plan would cost ~250 ms to save nothing (one pass over the members)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        for row in members.values(*aliases).annotate(ids=StringAgg(Cast("pk", CharField()), delimiter=",")):
            # "1,2,3" → [1, 2, 3]: the JSON parser (C) reads 100 000 ids in ~10 ms, split + int in ~25
            groups.append((tuple(row[a] for a in aliases), json.loads(f"[{row['ids']}]")))
    else:
        grouped = {}
        for pk, *hits in members.values_list("pk", *aliases):
            grouped.setdefault(tuple(hits), []).append(pk)
        groups = list(grouped.items())

    pool_ids, by_reason, members = [], {code: [] for code in codes}, 0
    for hits, ids in groups:
        members += len(ids)
        failed = [code for code, hit in zip(codes, hits) if hit]
        if not failed:
            pool_ids += ids
        for code in failed:
            by_reason[code] += ids
    pool_ids.sort()
    return PoolResult(pool_ids, {code: sorted(ids) for code, ids in by_reason.items() if ids}, members)
