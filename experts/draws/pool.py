"""The eligible pool of a draw: the members that meet its conditions, minus those with a
recusal, rotation or declared-conflict ground (each listed with all its reason codes, grouped
by code), plus how many members did not meet the conditions — record v3 — from a constant
number of queries whatever the pool size: the condition's field ids and ONE SQL statement (see
eligible_pool).

Why the members failing the conditions are counted and not listed (v3, since the 100 000-member
work): the conditions are committed with the pool, and they alone decide who fails them;
listing 90 000 ids with a condition code made the freeze read and write every member (about
300 ms at 100 000 members on a 2-core machine). The grounds that need judgement or depend on
other records — employer, participant, declared relation, written request, booking, rotation,
declared conflict — are still listed per expert. `member_reasons` answers, for named experts,
every code that applies today (conditions included): the staff view and the tests use it.

How the statement stays fast at 100 000 members (freeze ≤ 50 ms, make bench): nothing is
evaluated member by member. On PostgreSQL the members meeting a field condition are one range
of the candidate index PoolEntry (field, title level, expert; kept by database triggers, see
experts.draws.index), read from the index alone; every ground is a set answered from an index
(EmployerKey for current and recent employers, the profiles' name keys, the profiles that
declared something, the day's bookings, …) and tested per candidate by hashing; the member
count is PoolSize's row. Without a field condition (or on SQLite) the candidates are the
member rows, with the same tests."""

import json
from dataclasses import dataclass, field
from functools import cached_property
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Case, Count, ExpressionWrapper, IntegerField, Q, Value, When

from ..models import Booking, Draw, EmployerKey, Expert, ExpertField, ExpertProfile, Invitation, PoolEntry, PoolSize
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
    listed: int = None  # members listed with at least one ground (None: counted from reason_ids)

    @cached_property
    def pool_text(self):
        """The pool as "id,id,…" (ascending), as the pool hash lists it."""
        return ",".join(map(str, self.pool_ids))

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
        listed = self.listed
        if listed is None:
            listed = len(set().union(*self.by_reason.values())) if self.reason_ids else 0
        return self.members - len(self.pool_ids) - listed


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


def _tests(draw, field_codes=None, *, entries=False):
    """({condition code: Q a member meeting it matches}, {exclusion code: Q a member with that
    ground matches}) for the draw, as they stand: every list it needs (the condition fields with
    their sub-fields, the profiles with a reviewed unit among their employers or a participant's
    name or a declared relation, the written exclusions, the day's bookings, the rotation panels,
    this draw's declared conflicts) is a subquery answered from an index, so the tests cost no
    query of their own and read nothing of a member but its ids and condition columns (copied
    from the profile: PROFILE_COPIES). `entries`: the tests for rows of the candidate index
    PoolEntry (expert_id, field_id) instead of Expert rows."""
    expert = "expert_id" if entries else "pk"
    conditions = {}
    codes = field_codes if field_codes is not None else (
        sorted(f.code for f in draw.fields.all()) if draw.pk else [])
    if codes:
        # the fields named and their sub-fields (a condition on a parent admits its children), as
        # literal ids: with them the planner knows how many members the condition keeps
        field_ids = sorted(ExpertField.objects.filter(body_id=draw.body_id).filter(
            Q(code__in=codes) | Q(parent__code__in=codes)).order_by().values_list("pk", flat=True))
        conditions["condition:fields"] = Q(field_id__in=field_ids or [0]) if entries else Q(
            pk__in=Expert.fields.through.objects.filter(expertfield_id__in=field_ids or [0]).order_by()
            .values("expert_id"))
    if draw.min_title_level:
        floor = TITLE_RANK.get(draw.min_title_level, 0)
        conditions["condition:min_title_level"] = Q(
            title_level__in=sorted(v for v, r in TITLE_RANK.items() if r >= floor))
    if draw.regions:
        conditions["condition:regions"] = Q(region__in=sorted(set(draw.regions)))
    if draw.employer_types:
        conditions["condition:employer_types"] = Q(employer_type__in=sorted(set(draw.employer_types)))

    def having(rows):
        return Q(**{f"{expert}__in": rows.order_by().values("expert_id")})

    def profiles(rows, column="pk"):
        return Q(profile_id__in=rows.order_by().values(column))

    grounds = {}
    units = sorted({normalize(u) for u in [draw.reviewed_unit, *(draw.partner_units or [])] if normalize(u)})
    people = sorted({normalize(p) for p in (draw.project_participants or []) if normalize(p)})
    if units:
        # employed now or recently by a reviewed unit or a partner (whole normalized names)
        grounds["employer"] = profiles(EmployerKey.objects.filter(key__in=units), "profile_id")
    if people:
        grounds["participant"] = profiles(ExpertProfile.objects.filter(name_key__in=people))
    if units:
        # a declared close relation or interest naming a unit; only the profiles that declared
        # something are read (partial index profile_declared)
        grounds["relation"] = profiles(ExpertProfile.objects.exclude(declared_key="").filter(
            reduce(or_, (Q(declared_key__contains=u) for u in units))))
    if draw.pk:
        grounds["written_request"] = having(Draw.excluded_experts.through.objects.filter(draw_id=draw.pk))
    grounds["booked"] = having(Booking.objects.filter(day__range=(draw.engagement_start, draw.engagement_end)))
    n = int((draw.policy_snapshot or {}).get("rotation_consecutive_draws") or 0)
    if n > 0:
        # selected (ranked) in each of the body's last n drawn random draws; with fewer than n
        # draws so far nobody can have n distinct ones
        last = (Draw.objects.filter(body_id=draw.body_id, mode=Draw.Mode.RANDOM, status__in=DRAWN_STATUSES,
                                    drawn_at__isnull=False).exclude(pk=draw.pk or 0)
                .order_by("-drawn_at", "-pk").values("pk")[:n])
        grounds["rotation"] = having(Invitation.objects.filter(draw_id__in=last, rank__isnull=False)
                                     .order_by().values("expert_id").annotate(k=Count("draw_id", distinct=True))
                                     .filter(k=n))
    if draw.pk:
        grounds["declared_conflict"] = having(Invitation.objects.filter(
            draw_id=draw.pk, status=Invitation.Status.CONFLICT))
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
    active members (PoolSize). With a field condition the members come from the candidate index
    PoolEntry — a range of one index, no member row read — otherwise from the member rows.
    Elsewhere (SQLite on a laptop) the masks come back as rows and are grouped here, to the same
    result. `conditions`: the draw's `draw_conditions` when the caller has them (their field
    codes save a query)."""
    field_codes = conditions["fields"] if conditions is not None else (
        sorted(f.code for f in draw.fields.all()) if draw.pk else [])
    if connection.vendor == "postgresql":
        indexed = bool(field_codes)  # PoolEntry has rows for members with a field only
        tests, grounds = _tests(draw, field_codes, entries=indexed)
        rows = PoolEntry.objects.values("expert_id") if indexed else _active(draw).values("pk")
        candidates = rows.filter(*tests.values()).annotate(m=_mask(grounds.values()))
        candidates = candidates.distinct().order_by("expert_id") if indexed else candidates.order_by("pk")
        return _pool_postgresql(draw, candidates, list(grounds))
    tests, grounds = _tests(draw, field_codes)
    codes = list(grounds)
    candidates = _active(draw).filter(*tests.values()).annotate(m=_mask(grounds.values())).order_by("pk")
    grouped = {}
    for pk, m in candidates.values_list("pk", "m"):
        grouped.setdefault(m, []).append(pk)  # ascending ids
    reason_ids = {}
    for n, code in enumerate(codes):
        ids = sorted(pk for m, pks in grouped.items() if m & (1 << n) for pk in pks)
        if ids:
            reason_ids[code] = ",".join(map(str, ids))
    return PoolResult(grouped.get(0, []), reason_ids, _active(draw).count())


def _pool_postgresql(draw, candidates, codes):
    """One statement: the candidates (expert id, bit mask) in id order, then per ground (and
    for the pool, mask 0) the ids as one comma-separated string — what Draw.exclusions stores
    and what the pool hash lists (experts.draws.fairness.canonical_pool_text), so that Python
    never turns the listed ids into numbers and back —, the count of listed members and the
    body's member count. The ORDER BY of the inner query keeps PostgreSQL from inlining it (which
    would evaluate the grounds once per aggregate), and a plain aggregate reads the rows in that
    order: the strings come out ascending without a sort per aggregate (`_ascending` checks)."""
    inner, params = candidates.query.sql_with_params()
    size, size_params = PoolSize.objects.filter(body_id=draw.body_id).values("active").query.sql_with_params()
    aggregates = ", ".join(
        ["count(*) FILTER (WHERE s.m <> 0)", "string_agg(s.pk::text, ',') FILTER (WHERE s.m = 0)"]
        + [f"string_agg(s.pk::text, ',') FILTER (WHERE s.m & {1 << n} <> 0)" for n in range(len(codes))])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(({size}), 0), {aggregates} FROM ({inner}) AS s (pk, m)",
                       (*size_params, *params))
        total, listed, pool, *by_code = cursor.fetchone()
    pool_ids, pool_text = _ascending(pool)
    result = PoolResult(pool_ids, {code: _ascending(ids)[1] for code, ids in zip(codes, by_code) if ids}, total,
                        listed)
    result.pool_text = pool_text
    return result


def _ascending(text):
    """(ids, "id,id,…") of an aggregated id string, ascending. The aggregates read the rows in
    the order of the inner query, which PostgreSQL keeps for a plain aggregate over an ordered
    subquery; this checks it (a strictly ascending list, so no id twice) and would sort should a
    plan ever not keep it — the pool hash must list sorted ids."""
    ids = json.loads(f"[{text or ''}]")
    if all(a < b for a, b in zip(ids, ids[1:])):
        return ids, text or ""
    ids = sorted(set(ids))
    return ids, ",".join(map(str, ids))


def member_reasons(draw, expert_ids):
    """{expert id: [codes]} for the named members, every condition they fail and every ground
    they have, as the data stand now (REASON_CODES order; [] for an eligible member; members of
    other bodies or inactive ones are absent). Two queries (the condition fields, the members)."""
    conditions, grounds = _tests(draw)  # each in REASON_CODES order, conditions first
    tests = [(code, ~q) for code, q in conditions.items()] + list(grounds.items())
    rows = _active(draw).filter(pk__in=list(expert_ids)).annotate(m=_mask([q for _, q in tests])).values_list("pk", "m")
    return {pk: [code for n, (code, _) in enumerate(tests) if m & (1 << n)] for pk, m in rows}
