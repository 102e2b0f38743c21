"""The draw algorithm "quorum-draw-v3" (and "quorum-draw-v1"/"-v2", still verified), as pure
functions (standard library only).

In the spirit of RFC 3797 and draft-thomson-elegy-vrs:

1. The eligible pool (sorted expert ids), the exclusions with their reason codes and the
   conditions are canonicalised (`canonical_pool`) and hashed: `pool_hash`. The
   versions differ only in the exclusions: v1 lists the reason codes per expert
   ({"<id>": [codes]}) for every member not in the pool; v2 lists the experts per reason
   code ({code: [sorted ids]}, an expert under every code that excludes him) — the same
   facts, a tenth of the bytes for a pool of 100 000 (see `exclusions_by_expert` /
   `exclusions_by_reason`); v3 lists per reason code only the members that met the
   conditions and were excluded on a ground (recusal, rotation, declared conflict), and
   commits the number of active members considered (`members`): the members that failed
   the committed conditions are `members - len(pool) - len(excluded)`, counted, not listed.
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

V1, V2, V3 = "quorum-draw-v1", "quorum-draw-v2", "quorum-draw-v3"
ALGORITHM = V3  # what new draws use
ALGORITHMS = (V1, V2, V3)
WALK_OUTCOMES = ("invited", "skipped")
DROP_OUTCOMES = ("declined", "conflict", "expired", "cancelled")


def exclusions_by_expert(exclusions, algorithm=V1, code_order=()):
    """{"<id>": [codes]} from exclusions of either version (v1: codes as recorded; v2: in
    `code_order`, unknown codes last)."""
    if algorithm == V1:
        return {str(k): list(v) for k, v in (exclusions or {}).items()}
    rank = {c: n for n, c in enumerate(code_order)}
    out = {}
    for code, ids in sorted((exclusions or {}).items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
        for i in ids:
            out.setdefault(i, []).append(code)
    return {str(i): out[i] for i in sorted(out)}


def exclusions_by_reason(exclusions, algorithm=V1):
    """{code: [sorted ids]} from exclusions of either version."""
    if algorithm != V1:
        return {code: sorted(ids) for code, ids in (exclusions or {}).items()}
    out = {}
    for key, codes in (exclusions or {}).items():
        for code in codes:
            out.setdefault(code, []).append(int(key))
    return {code: sorted(ids) for code, ids in sorted(out.items())}


def excluded_ids(exclusions, algorithm=V1):
    """Every excluded expert id (a set)."""
    if algorithm == V1:
        return {int(k) for k in (exclusions or {})}
    return set().union(*(exclusions or {}).values()) if exclusions else set()


def canonical_pool(draw_id, body_key, pool_ids, exclusions, conditions, algorithm=V1, members=None):
    """The bytes the pool commitment hashes (v1: exclusions per expert; v2, v3: per reason;
    v3 adds `members`, the number of active members considered)."""
    if algorithm == V1:
        excluded = {str(k): list(v) for k, v in (exclusions or {}).items()}
    elif algorithm in (V2, V3):
        excluded = {str(code): sorted(ids) for code, ids in (exclusions or {}).items()}
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}")
    doc = {
        "algorithm": algorithm,
        "draw": draw_id,
        "body": body_key,
        "pool": sorted(map(int, pool_ids)),
        "exclusions": excluded,
        "conditions": conditions or {},
    }
    if algorithm == V3:
        doc["members"] = int(members)
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def canonical_pool_text(draw_id, body_key, pool_text, exclusions_text, conditions, algorithm=V3, members=None):
    """`canonical_pool(…, V2 or V3)`, byte for byte, from id lists given as text: `pool_text`
    and each value of `exclusions_text` ({code: text}) are ascending decimal ids joined by ",",
    as the database aggregates them (experts.draws.pool) — the JSON of such a list is
    "[" + text + "]", so thousands of ids need not be turned into numbers and encoded again."""
    def dump(value):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    if algorithm not in (V2, V3):
        raise ValueError(f"canonical_pool_text: {algorithm!r} lists exclusions per expert")
    excluded = ",".join(f"{dump(str(code))}:[{exclusions_text[code]}]" for code in sorted(exclusions_text or {}))
    counted = f'"members":{int(members)},' if algorithm == V3 else ""
    return (f'{{"algorithm":{dump(algorithm)},"body":{dump(body_key)},"conditions":{dump(conditions or {})},'
            f'"draw":{dump(draw_id)},"exclusions":{{{excluded}}},{counted}"pool":[{pool_text}]}}').encode()


def pool_hash(draw_id, body_key, pool_ids, exclusions, conditions, algorithm=V1, members=None):
    return hashlib.sha256(canonical_pool(draw_id, body_key, pool_ids, exclusions, conditions,
                                         algorithm, members)).hexdigest()


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
    # hexdigest order equals digest order (lowercase hex is monotonic), digest is cheaper;
    # b"%d" % i is str(i).encode() for an int; ties (never seen for SHA-256) go to the lower id
    return sorted(sorted(pool_ids), key=lambda i: sha(b"%b%d" % (prefix, i)).digest())


def ranked_prefix(pool_ids, seed, count, *, spare=(1.25, 32)):
    """The first `count` ids (or more) of `ranked(pool_ids, seed)`, without sorting the
    whole pool: every id is still hashed, but only those whose hash falls under a
    threshold (a down-set of the order, hence exactly its first ranks) are kept and sorted.
    The threshold expects `spare` = (×1.25, +32) hits more than `count`; when fewer than
    `count` fall under it (bad luck), it is doubled and the pool hashed again."""
    factor, extra = spare
    pool = sorted(pool_ids)
    n = len(pool)
    want = max(int(count), 1)
    prefix = bytes.fromhex(seed)
    sha = hashlib.sha256
    while True:
        expected = want * factor + extra
        if expected * 4 >= n:
            return ranked(pool, seed)
        cut = (int(expected * (1 << 64)) // n).to_bytes(8, "big")  # a digest < cut: its first 8 bytes < cut
        hits = [i for i in pool if sha(b"%b%d" % (prefix, i)).digest() < cut]
        if len(hits) >= count:
            return sorted(hits, key=lambda i: sha(b"%b%d" % (prefix, i)).digest())
        want *= 2


class Order:
    """The draw order of a pool, computed as far as it is read (`take`)."""

    def __init__(self, pool_ids, seed):
        self.pool, self.seed, self.known = pool_ids, seed, []

    def __len__(self):
        return len(self.pool)

    def take(self, start, stop):
        stop = min(stop, len(self.pool))
        if stop > len(self.known):
            self.known = ranked_prefix(self.pool, self.seed, max(stop, 2 * len(self.known)))
        return self.known[start:stop]


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
    algorithm = record.get("algorithm")
    if algorithm not in ALGORITHMS:
        return _fail(f"algorithm: expected one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    pool = record["pool"]
    if not isinstance(pool, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in pool):
        return _fail("pool: must be a list of integer ids")
    if pool != sorted(set(pool)):
        return _fail("pool: ids must be sorted and unique")
    exclusions = record["exclusions"]
    if not isinstance(exclusions, dict):
        return _fail("exclusions: must be an object")
    if algorithm != V1:
        for code, ids in exclusions.items():
            if not isinstance(ids, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
                return _fail(f"exclusions: {code} must list integer ids")
            if ids != sorted(set(ids)):
                return _fail(f"exclusions: the ids under {code} must be sorted and unique")
    excluded = excluded_ids(exclusions, algorithm)
    overlap = sorted(set(pool) & excluded)
    if overlap:
        return _fail(f"exclusions: expert {overlap[0]} is both in the pool and excluded")
    members = record.get("members")
    if algorithm == V3:
        if not isinstance(members, int) or isinstance(members, bool):
            return _fail("members: must be the integer number of members considered")
        if members < len(pool) + len(excluded):
            return _fail(f"members: {members} is fewer than the {len(pool) + len(excluded)} "
                         "in the pool or excluded")
    expected = pool_hash(record["draw"], record["body"], pool, exclusions, record["conditions"], algorithm,
                         members)
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
