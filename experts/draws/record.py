"""The draw record: everything an outsider needs to re-run a draw (`fairness.verify_record`,
tools/verify_draw.py), plus descriptive fields that verification ignores.

The full record (operator, supervisor, approvers) names the experts; the public record
carries expert ids only (exclusion reasons are codes, never names). Draws frozen since
record v2 carry `policy_snapshot["draw_algorithm"]` ("quorum-draw-v2", now "quorum-draw-v3")
and store their exclusions by reason ({code: [ids]}); v3 lists only the members that met the
conditions and adds `members` (Draw.pool_members); older draws (no mark) stay v1
({"<id>": [codes]}). Each is shown and verified as frozen."""
from ..models import Draw, Invitation
from . import fairness

REVEALED = (Draw.Status.INVITING, Draw.Status.COMPLETE, Draw.Status.EXHAUSTED)
ACTIVE_INVITATIONS = (Invitation.Status.INVITED, Invitation.Status.ACCEPTED)


def is_drawn(draw):
    return draw.mode == Draw.Mode.RANDOM and draw.status in REVEALED and bool(draw.seed)


def draw_algorithm(draw):
    """The algorithm the draw was frozen with (draws frozen before v2 carry no mark: v1)."""
    return (draw.policy_snapshot or {}).get("draw_algorithm", fairness.V1)


def store_exclusions(by_reason):
    """How a v2/v3 draw keeps its exclusions in the database: {code: "id,id,…"}. A JSON string is
    one token for PostgreSQL's jsonb parser; 100 000 ids as JSON numbers take it ~3× longer to
    write and to read. The record (and the pool hash) list them as numbers: `frozen_exclusions`."""
    return {code: ",".join(map(str, ids)) for code, ids in by_reason.items()}


def frozen_exclusions(draw):
    """The exclusions as the record states them: v1 {"<id>": [codes]}, v2 {code: [ids]}."""
    import json

    exclusions = draw.exclusions or {}
    if draw_algorithm(draw) == fairness.V1:
        return dict(exclusions)
    return {code: json.loads(f"[{ids}]") if isinstance(ids, str) else list(ids) for code, ids in exclusions.items()}


def exclusions_by_expert(draw):
    """{"<id>": [reason codes]} of the frozen exclusions, whatever the record version."""
    from .pool import REASON_CODES

    return fairness.exclusions_by_expert(frozen_exclusions(draw), draw_algorithm(draw), REASON_CODES)


def excluded_ids(draw):
    """The ids the record lists as excluded (v3: the members that met the conditions only)."""
    return fairness.excluded_ids(frozen_exclusions(draw), draw_algorithm(draw))


def unmatched_count(draw):
    """v3: the members that did not meet the conditions (counted, not listed); 0 before v3 (the
    record lists them)."""
    if draw_algorithm(draw) != fairness.V3 or draw.pool_members is None:
        return 0
    return max(0, draw.pool_members - len(draw.pool or []) - len(excluded_ids(draw)))


def excluded_count(draw):
    """Every member of the frozen pool's body that is not in the pool."""
    return len(excluded_ids(draw)) + unmatched_count(draw)


def frozen_conditions(draw):
    """The conditions committed at freeze time (stored with the policy snapshot)."""
    return (draw.policy_snapshot or {}).get("draw_conditions", {})


def panel_ids(draw):
    """Expert ids holding an invitation still in force, in rank order."""
    return list(draw.invitations.filter(status__in=ACTIVE_INVITATIONS, rank__isnull=False)
                .order_by("rank").values_list("expert_id", flat=True))


def build_record(draw, *, public=False):
    drawn = is_drawn(draw)
    record = {
        "algorithm": draw_algorithm(draw),
        "draw": draw.pk,
        "body": draw.body.key,
        "number": draw.number,
        "status": draw.status,
        "conditions": frozen_conditions(draw),
        "pool": list(draw.pool or []),
        "exclusions": frozen_exclusions(draw),
        **({"members": draw.pool_members} if draw_algorithm(draw) == fairness.V3 else {}),
        "pool_hash": draw.pool_hash,
        "secret_hash": draw.secret_hash,
        "secret": draw.secret if drawn else "",
        "entropy": draw.entropy,
        "entropy_source": draw.entropy_source,
        "seed": draw.seed if drawn else "",
        "picks": list(draw.picks or []),
        "panel": panel_ids(draw) if drawn else [],
        "committed_at": draw.committed_at.isoformat() if draw.committed_at else None,
        "drawn_at": draw.drawn_at.isoformat() if draw.drawn_at else None,
        "purpose": draw.purpose,
        "engagement_start": draw.engagement_start.isoformat(),
        "engagement_end": draw.engagement_end.isoformat(),
        "how_to_verify": "python3 tools/verify_draw.py record.json",
    }
    if not public:
        ids = {p["expert"] for p in record["picks"]} | excluded_ids(draw)
        from ..models import Expert

        names = dict(Expert.objects.filter(pk__in=ids).values_list("pk", "public_name"))
        record.update({
            "title": draw.title,
            "reviewed_unit": draw.reviewed_unit,
            "partner_units": list(draw.partner_units or []),
            "place": draw.place,
            "operator": draw.operator.name,
            "supervisor": draw.supervisor.name,
            "entropy_by": draw.entropy_by.name if draw.entropy_by_id else "",
            "names": {str(k): names[k] for k in sorted(names)},
        })
    return record
