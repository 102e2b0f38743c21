"""The draw algorithm "quorum-draw-v1", as pure functions (standard library only).

In the spirit of RFC 3797 and draft-thomson-elegy-vrs:

1. The eligible pool (sorted expert ids), the exclusions with their reason codes and the
   conditions are canonicalised (`canonical_pool`) and hashed: `pool_hash`.
2. A server secret is generated and only its hash is published: `secret_hash`. The pair
   (pool_hash, secret_hash) is the commitment, shown before the public entropy exists.
3. Once the supervisor enters the public entropy, `seed = SHA-256(secret ‖ entropy)` and
   every pool id is ranked by `SHA-256(seed ‖ str(id))` (ties broken by the id): `ranked`.
4. The walk takes candidates in that order; each is picked (invited, rank = position + 1)
   or skipped with a recorded reason. Declines, declared conflicts and expiries are
   appended as events and replacements continue from the next rank.

`verify_record` re-derives everything from a record and names the first mismatch.
tools/verify_draw.py is an independent copy of `verify_record` for outsiders.
"""
import hashlib
import json
import secrets as _secrets
from dataclasses import dataclass, field

ALGORITHM = "quorum-draw-v1"
WALK_OUTCOMES = ("invited", "skipped")
DROP_OUTCOMES = ("declined", "conflict", "expired", "cancelled")


def canonical_pool(draw_id, body_key, pool_ids, exclusions, conditions):
    """The bytes the pool commitment hashes."""
    doc = {
        "algorithm": ALGORITHM,
        "draw": draw_id,
        "body": body_key,
        "pool": sorted(int(i) for i in pool_ids),
        "exclusions": {str(k): list(v) for k, v in (exclusions or {}).items()},
        "conditions": conditions or {},
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def pool_hash(draw_id, body_key, pool_ids, exclusions, conditions):
    return hashlib.sha256(canonical_pool(draw_id, body_key, pool_ids, exclusions, conditions)).hexdigest()


def new_secret():
    return _secrets.token_hex(32)


def secret_hash(secret):
    return hashlib.sha256(bytes.fromhex(secret)).hexdigest()


def derive_seed(secret, entropy):
    return hashlib.sha256(bytes.fromhex(secret) + entropy.encode("utf-8")).hexdigest()


def ranked(pool_ids, seed):
    """Every pool id in draw order: by SHA-256(seed ‖ str(id)), then by id."""
    prefix = bytes.fromhex(seed)
    sha = hashlib.sha256
    # hexdigest order equals digest order (lowercase hex is monotonic), digest is cheaper
    return sorted(pool_ids, key=lambda i: (sha(prefix + str(i).encode()).digest(), i))


@dataclass
class VerifyResult:
    ok: bool
    selected_ids: list = field(default_factory=list)
    problem: str = ""


def _fail(problem, selected=None):
    return VerifyResult(False, list(selected or []), problem)


def verify_record(record):
    """Re-run the draw from its record. Returns VerifyResult(ok, selected_ids, problem)
    where `problem` names the first mismatch."""
    try:
        return _verify(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return _fail(f"malformed record: {exc.__class__.__name__}: {exc}")


def _verify(record):
    if not isinstance(record, dict):
        return _fail("malformed record: not an object")
    if record.get("algorithm") != ALGORITHM:
        return _fail(f"algorithm: expected {ALGORITHM!r}, got {record.get('algorithm')!r}")
    pool = record["pool"]
    if not isinstance(pool, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in pool):
        return _fail("pool: must be a list of integer ids")
    if pool != sorted(set(pool)):
        return _fail("pool: ids must be sorted and unique")
    exclusions = record["exclusions"]
    if not isinstance(exclusions, dict):
        return _fail("exclusions: must be an object")
    overlap = sorted(set(pool) & {int(k) for k in exclusions})
    if overlap:
        return _fail(f"exclusions: expert {overlap[0]} is both in the pool and excluded")
    expected = pool_hash(record["draw"], record["body"], pool, exclusions, record["conditions"])
    if record["pool_hash"] != expected:
        return _fail("pool_hash: does not match the pool, exclusions and conditions")
    secret = record["secret"]
    if not isinstance(secret, str) or len(secret) != 64:
        return _fail("secret: not revealed (64 hex digits expected)")
    if secret_hash(secret) != record["secret_hash"]:
        return _fail("secret_hash: does not match the revealed secret")
    entropy = record["entropy"]
    if not isinstance(entropy, str) or not entropy:
        return _fail("entropy: missing")
    seed = derive_seed(secret, entropy)
    if record["seed"] != seed:
        return _fail("seed: is not SHA-256(secret || entropy)")
    order = ranked(pool, seed)
    invite_limit = (record["conditions"] or {}).get("invite")
    walked, active, selected_order = 0, set(), []
    for n, event in enumerate(record["picks"], start=1):
        outcome, expert, rank = event.get("outcome"), event.get("expert"), event.get("rank")
        if outcome in WALK_OUTCOMES:
            if walked >= len(order):
                return _fail(f"picks[{n}]: walks past the end of the order")
            if rank != walked + 1:
                return _fail(f"picks[{n}]: rank {rank} where {walked + 1} was next")
            if expert != order[walked]:
                return _fail(f"picks[{n}]: rank {rank} is expert {order[walked]}, not {expert}")
            walked += 1
            if outcome == "invited":
                if invite_limit is not None and len(active) >= invite_limit:
                    return _fail(f"picks[{n}]: invites expert {expert} beyond the {invite_limit} needed")
                active.add(expert)
                selected_order.append(expert)
            elif not event.get("reason"):
                return _fail(f"picks[{n}]: skipped expert {expert} without a reason")
        elif outcome in DROP_OUTCOMES:
            if expert not in active:
                return _fail(f"picks[{n}]: {outcome} for expert {expert} who holds no invitation")
            if rank is not None and rank > walked:
                return _fail(f"picks[{n}]: {outcome} at rank {rank} not yet walked")
            active.discard(expert)
        else:
            return _fail(f"picks[{n}]: unknown outcome {outcome!r}")
    selected = [e for e in selected_order if e in active]
    if list(record["panel"]) != selected:
        return _fail(f"panel: expected {selected}, got {record['panel']}", selected)
    return VerifyResult(True, selected, "")
