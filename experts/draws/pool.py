"""The eligible pool of a draw: conditions, the five recusal grounds, rotation and declared
conflicts, each exclusion with all its reason codes (grouped by code: record v2), from a
constant number of queries whatever the pool size — one SQL pass over the members (see
eligible_pool)."""
import json
from dataclasses import dataclass, field
from functools import cached_property
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Case, ExpressionWrapper, IntegerField, Q, Value, When

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
    # {reason code: "id,id,…"} (sorted ids, as stored on Draw.exclusions), codes in REASON_CODES order
    reason_ids: dict = field(default_factory=dict)
    members: int = 0  # active members considered (each is either in the pool or excluded)

    @cached_property
    def by_reason(self):
        """{reason code: [sorted expert ids]}, codes in REASON_CODES order."""
        return {code: json.loads(f"[{ids}]") for code, ids in self.reason_ids.items()}

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
    rotation or declared-conflict ground. Returns PoolResult(pool_ids, reason_ids).

    A constant number of queries whatever the pool size: the rotation draws, the condition
    fields with their sub-fields, the written exclusions, the rotation draws' panels and this
    draw's declared conflicts (small id lists), then ONE pass over the members that evaluates
    every test in SQL on the member row alone — the profile's condition columns and recusal keys
    are copied onto Expert (PROFILE_COPIES, kept in step by sync_profile_copies), the field
    memberships and the bookings are IN (subquery), the small lists IN (…) — as a bit mask per
    member. On PostgreSQL the same statement aggregates the masks into one sorted id string per
    reason code and one for the pool (`_pool_postgresql`); elsewhere (SQLite on a laptop) the
    masks come back as rows and are grouped here, to the same result."""
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

    # each test is true when the member fails the condition / has the ground (REASON_CODES order);
    # they read only the member row (the profile fields are copied onto it: PROFILE_COPIES) and
    # small id sets (IN (subquery): PostgreSQL hashes the subquery once)
    tests = {}
    if field_ids:
        # the fields are the body's own: no join to the members needed (only members are looked up)
        tests["condition:fields"] = ~Q(pk__in=Expert.fields.through.objects.filter(
            expertfield_id__in=field_ids).values("expert_id"))
    if levels:
        tests["condition:min_title_level"] = ~Q(title_level__in=sorted(levels))
    if regions:
        tests["condition:regions"] = ~Q(region__in=sorted(regions))
    if employer_types:
        tests["condition:employer_types"] = ~Q(employer_type__in=sorted(employer_types))
    if units:
        # recent_employer_keys wraps each key in newlines, which a key never contains: whole keys
        tests["employer"] = reduce(or_, (Q(recent_employer_keys__contains=f"\n{u}\n") for u in units),
                                   Q(employer_key__in=units))
    if people:
        tests["participant"] = Q(name_key__in=people)
    if units:
        tests["relation"] = reduce(or_, (Q(declared_key__contains=u) for u in units))
    if written:
        tests["written_request"] = Q(pk__in=written)
    tests["booked"] = Q(pk__in=Booking.objects.filter(
        day__range=(draw.engagement_start, draw.engagement_end)).values("expert_id"))
    if rotated:
        tests["rotation"] = Q(pk__in=rotated)
    if conflicts:
        tests["declared_conflict"] = Q(pk__in=conflicts)

    codes = list(tests)
    # the tests a member fails, as bits: bit n set ⇔ codes[n] holds
    mask = reduce(lambda a, b: a + b, (Case(When(t, then=Value(1 << n)), default=Value(0))
                                       for n, t in enumerate(tests.values())))
    members = (Expert.objects.filter(body_id=draw.body_id, status=Expert.Status.ACTIVE)
               .annotate(m=ExpressionWrapper(mask, output_field=IntegerField())).order_by("pk"))
    if connection.vendor == "postgresql":
        return _pool_postgresql(members, codes)
    grouped = {}
    for pk, m in members.values_list("pk", "m"):
        grouped.setdefault(m, []).append(pk)  # ascending ids
    pool_ids = grouped.get(0, [])
    reason_ids = {}
    for n, code in enumerate(codes):
        ids = sorted(pk for m, pks in grouped.items() if m & (1 << n) for pk in pks)
        if ids:
            reason_ids[code] = ",".join(map(str, ids))
    return PoolResult(pool_ids, reason_ids, sum(map(len, grouped.values())))


def _pool_postgresql(members, codes):
    """One statement: the members' bit masks in id order, then per reason code (and for the
    pool, mask 0) the ids as one sorted comma-separated string — what Draw.exclusions stores and
    what the pool hash lists (experts.draws.fairness.canonical_pool_v2_text), so that Python
    never turns 100 000 ids into numbers and back; only the pool (a few thousand) is parsed.
    The ORDER BY of the inner query keeps PostgreSQL from inlining it (which would evaluate the
    tests once per aggregate) and hands the aggregates presorted input."""
    inner, params = members.values("pk", "m").query.sql_with_params()
    aggregates = ", ".join(
        ["string_agg(s.pk::text, ',' ORDER BY s.pk) FILTER (WHERE s.m = 0)"]
        + [f"string_agg(s.pk::text, ',' ORDER BY s.pk) FILTER (WHERE s.m & {1 << n} <> 0)" for n in range(len(codes))])
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # the planner's estimates for the tests are far off: JIT compiling the plan would
            # cost ~250 ms to save nothing (one pass over the members); the per-reason sorts fit
            # in memory
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)")
        cursor.execute(f"SELECT count(*), {aggregates} FROM ({inner}) AS s", params)
        count, pool, *by_code = cursor.fetchone()
    reason_ids = {code: ids for code, ids in zip(codes, by_code) if ids}
    return PoolResult(json.loads(f"[{pool or ''}]"), reason_ids, count)
