"""The eligible pool of a draw: the members that meet its conditions, minus those with a
recusal, rotation or declared-conflict ground (each listed with all its reason codes, grouped
by code), plus how many members did not meet the conditions — record v3 — from a constant
number of queries whatever the pool size: ONE SQL statement (see eligible_pool).

Why the members failing the conditions are counted and not listed (v3, since the 100 000-member
work): the conditions are committed with the pool, and they alone decide who fails them;
listing 90 000 ids with a condition code made the freeze read and write every member (about
300 ms at 100 000 members on a 2-core machine). The grounds that need judgement or depend on
other records — employer, participant, declared relation, written request, booking, rotation,
declared conflict — are still listed per expert. `member_reasons` answers, for named experts,
every code that applies today (conditions included): the staff view and the tests use it."""

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Case, Count, ExpressionWrapper, IntegerField, Q, Value, When

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
    # {reason code: "id,id,…"} (sorted ids, as stored on Draw.exclusions), codes in REASON_CODES
    # order: the members meeting the conditions that a recusal, rotation or conflict excludes
    reason_ids: dict = field(default_factory=dict)
    members: int = 0  # active members considered (in the pool, excluded with reasons, or unmatched)

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
        """Every member not in the pool (listed with reasons or not meeting the conditions)."""
        return self.members - len(self.pool_ids)

    @property
    def unmatched(self):
        """Members that did not meet the conditions (counted, not listed)."""
        listed = set().union(*self.by_reason.values()) if self.reason_ids else set()
        return self.members - len(self.pool_ids) - len(listed)


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


def _tests(draw, field_codes=None):
    """({condition code: Q a member meeting it matches}, {exclusion code: Q a member with that
    ground matches}) for the draw, as they stand: every list it needs (the condition fields with
    their sub-fields, the written exclusions, the day's bookings, the rotation panels, this draw's
    declared conflicts) is a subquery, so the tests cost no query of their own. They read the
    member row alone: the profile's condition columns and recusal keys are copied onto Expert
    (PROFILE_COPIES, kept in step by sync_profile_copies)."""
    conditions = {}
    codes = field_codes if field_codes is not None else (
        sorted(f.code for f in draw.fields.all()) if draw.pk else [])
    if codes:
        # the fields named and their sub-fields (a condition on a parent admits its children), as
        # literal ids: with them the planner knows how many members the condition keeps
        field_ids = sorted(ExpertField.objects.filter(body_id=draw.body_id).filter(
            Q(code__in=codes) | Q(parent__code__in=codes)).order_by().values_list("pk", flat=True))
        conditions["condition:fields"] = Q(pk__in=Expert.fields.through.objects.filter(
            expertfield_id__in=field_ids or [0]).order_by().values("expert_id"))
    if draw.min_title_level:
        floor = TITLE_RANK.get(draw.min_title_level, 0)
        conditions["condition:min_title_level"] = Q(
            title_level__in=sorted(v for v, r in TITLE_RANK.items() if r >= floor))
    if draw.regions:
        conditions["condition:regions"] = Q(region__in=sorted(set(draw.regions)))
    if draw.employer_types:
        conditions["condition:employer_types"] = Q(employer_type__in=sorted(set(draw.employer_types)))

    grounds = {}
    units = sorted({normalize(u) for u in [draw.reviewed_unit, *(draw.partner_units or [])] if normalize(u)})
    people = sorted({normalize(p) for p in (draw.project_participants or []) if normalize(p)})
    if units:
        # recent_employer_keys wraps each key in newlines, which a key never contains: whole keys
        grounds["employer"] = reduce(or_, (Q(recent_employer_keys__contains=f"\n{u}\n") for u in units),
                                     Q(employer_key__in=units))
    if people:
        grounds["participant"] = Q(name_key__in=people)
    if units:
        grounds["relation"] = reduce(or_, (Q(declared_key__contains=u) for u in units))
    if draw.pk:
        grounds["written_request"] = Q(pk__in=Draw.excluded_experts.through.objects.filter(
            draw_id=draw.pk).order_by().values("expert_id"))
    grounds["booked"] = Q(pk__in=Booking.objects.filter(
        day__range=(draw.engagement_start, draw.engagement_end)).order_by().values("expert_id"))
    n = int((draw.policy_snapshot or {}).get("rotation_consecutive_draws") or 0)
    if n > 0:
        # selected (ranked) in each of the body's last n drawn random draws; with fewer than n
        # draws so far nobody can have n distinct ones
        last = (Draw.objects.filter(body_id=draw.body_id, mode=Draw.Mode.RANDOM, status__in=DRAWN_STATUSES,
                                    drawn_at__isnull=False).exclude(pk=draw.pk or 0)
                .order_by("-drawn_at", "-pk").values("pk")[:n])
        grounds["rotation"] = Q(pk__in=Invitation.objects.filter(draw_id__in=last, rank__isnull=False)
                                .order_by().values("expert_id").annotate(k=Count("draw_id", distinct=True))
                                .filter(k=n).values("expert_id"))
    if draw.pk:
        grounds["declared_conflict"] = Q(pk__in=Invitation.objects.filter(
            draw_id=draw.pk, status=Invitation.Status.CONFLICT).order_by().values("expert_id"))
    return conditions, grounds


def _mask(tests):
    """A member's bit mask: bit n set ⇔ the n-th test holds."""
    return ExpressionWrapper(reduce(lambda a, b: a + b, (Case(When(t, then=Value(1 << n)), default=Value(0))
                                                        for n, t in enumerate(tests))),
                             output_field=IntegerField())


def _active(draw):
    return Expert.objects.filter(body_id=draw.body_id, status=Expert.Status.ACTIVE).order_by()


def eligible_pool(draw, *, now=None, conditions=None):
    """Active members of the draw's body that meet its conditions and have no recusal,
    rotation or declared-conflict ground. Returns PoolResult(pool_ids, reason_ids, members).

    One SQL statement on PostgreSQL (`_pool_postgresql`): the members meeting every condition,
    each with the bit mask of its grounds (the grounds are evaluated for those members only),
    aggregated into one sorted id string per ground and one for the pool, plus the count of all
    active members. Elsewhere (SQLite on a laptop) the masks come back as rows and are grouped
    here, to the same result. `conditions`: the draw's `draw_conditions` when the caller has
    them (their field codes save a query)."""
    conditions, grounds = _tests(draw, (conditions or {}).get("fields") if conditions is not None else None)
    codes = list(grounds)
    candidates = _active(draw).filter(*conditions.values()).annotate(m=_mask(grounds.values())).order_by("pk")
    if connection.vendor == "postgresql":
        return _pool_postgresql(candidates, codes, _active(draw), "condition:fields" in conditions)
    grouped = {}
    for pk, m in candidates.values_list("pk", "m"):
        grouped.setdefault(m, []).append(pk)  # ascending ids
    reason_ids = {}
    for n, code in enumerate(codes):
        ids = sorted(pk for m, pks in grouped.items() if m & (1 << n) for pk in pks)
        if ids:
            reason_ids[code] = ",".join(map(str, ids))
    return PoolResult(grouped.get(0, []), reason_ids, _active(draw).count())


@contextmanager
def _planner(cursor, by_field):
    """Planner settings for the pool statement, restored after it (inside a transaction only:
    set_config(…, true) lasts to its end). JIT compiling costs more than it saves here. The
    member rows are in memory, where the planner's costs are off by far: with a field condition
    it hashes all 100 000 members (~110 ms on 2 cores) instead of looking up the ~16 000 that
    have the field through the field-membership index (~60 ms), so joins other than the nested
    loop are off for the statement. A field condition keeping most members would do better
    hashed; the seeds' pools have 8–20 fields, a condition keeps a few of them."""
    if not connection.in_atomic_block:
        yield
        return
    names = ["jit", "random_page_cost"] + (["enable_hashjoin", "enable_mergejoin"] if by_field else [])
    values = ["off", "1.1", "off", "off"][:len(names)]
    cursor.execute("SELECT " + ", ".join(f"current_setting('{n}'), set_config('{n}', %s, true)" for n in names),
                   values)
    before = cursor.fetchone()[::2]
    yield
    cursor.execute("SELECT " + ", ".join(f"set_config('{n}', %s, true)" for n in names), list(before))


def _pool_postgresql(candidates, codes, members, by_field=False):
    """One statement: the candidates' bit masks in id order, then per ground (and for the pool,
    mask 0) the ids as one sorted comma-separated string — what Draw.exclusions stores and what
    the pool hash lists (experts.draws.fairness.canonical_pool_text), so that Python never turns
    the ids into numbers and back; only the pool is parsed. The ORDER BY of the inner query keeps
    PostgreSQL from inlining it (which would evaluate the grounds once per aggregate)."""
    inner, params = candidates.values("pk", "m").query.sql_with_params()
    count, count_params = members.values("pk").query.sql_with_params()
    aggregates = ", ".join(
        ["string_agg(s.pk::text, ',' ORDER BY s.pk) FILTER (WHERE s.m = 0)"]
        + [f"string_agg(s.pk::text, ',' ORDER BY s.pk) FILTER (WHERE s.m & {1 << n} <> 0)" for n in range(len(codes))])
    with connection.cursor() as cursor:
        with _planner(cursor, by_field):
            cursor.execute(f"SELECT (SELECT count(*) FROM ({count}) AS c), {aggregates} FROM ({inner}) AS s",
                           (*count_params, *params))
            total, pool, *by_code = cursor.fetchone()
    reason_ids = {code: ids for code, ids in zip(codes, by_code) if ids}
    return PoolResult(json.loads(f"[{pool or ''}]"), reason_ids, total)


def member_reasons(draw, expert_ids):
    """{expert id: [codes]} for the named members, every condition they fail and every ground
    they have, as the data stand now (REASON_CODES order; [] for an eligible member; members of
    other bodies or inactive ones are absent). Two queries (the condition fields, the members)."""
    conditions, grounds = _tests(draw)  # each in REASON_CODES order, conditions first
    tests = [(code, ~q) for code, q in conditions.items()] + list(grounds.items())
    rows = _active(draw).filter(pk__in=list(expert_ids)).annotate(m=_mask([q for _, q in tests])).values_list("pk", "m")
    return {pk: [code for n, (code, _) in enumerate(tests) if m & (1 << n)] for pk, m in rows}
