#!/usr/bin/env python3
"""Verify a Quorum draw record without the project (Python 3 standard library only).

    python3 tools/verify_draw.py record.json

Re-derives the draw ("quorum-draw-v3", or "quorum-draw-v1"/"-v2" for records frozen
before it) from the record: the pool commitment (SHA-256 of the canonical pool, exclusions
and conditions; the exclusions list the reason codes per expert id in v1
{"<id>": [codes]} and the expert ids per reason code in v2 and v3 {code: [sorted ids]};
v3 lists only the members that met the conditions and were excluded on a ground, and
commits "members", the number of active members considered — those that failed the
conditions are counted as members - pool - excluded, not listed),
the secret commitment
(SHA-256 of the revealed secret), seed = SHA-256(secret ‖ entropy), the order of the
pool by SHA-256(seed ‖ id), and checks that the picks walk that order from rank 1 with
no gap, that no more experts are invited than the committed number, and that the panel
is the invited experts minus those who declined, declared a conflict, expired or were
cancelled. Prints the selected ids and OK, or exits 1 naming the first mismatch.

This file deliberately re-implements the check instead of importing the project's
experts.draws.fairness, so an outsider can read every line of it.
"""
import hashlib
import json
import sys

ALGORITHMS = ("quorum-draw-v1", "quorum-draw-v2", "quorum-draw-v3")
WALK = ("invited", "skipped")
DROP = ("declined", "conflict", "expired", "cancelled")


class Mismatch(Exception):
    pass


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def check(record):
    """Return the selected expert ids, or raise Mismatch naming the first problem."""
    if not isinstance(record, dict):
        raise Mismatch("malformed record: not an object")
    algorithm = record.get("algorithm")
    if algorithm not in ALGORITHMS:
        raise Mismatch("algorithm: expected one of %s, got %r" % (", ".join(ALGORITHMS), algorithm))
    pool = record["pool"]
    if not isinstance(pool, list) or not all(type(i) is int for i in pool):
        raise Mismatch("pool: must be a list of integer ids")
    if pool != sorted(set(pool)):
        raise Mismatch("pool: ids must be sorted and unique")
    exclusions = record["exclusions"]
    if not isinstance(exclusions, dict):
        raise Mismatch("exclusions: must be an object")
    if algorithm == "quorum-draw-v1":
        excluded = set(int(k) for k in exclusions)
        canonical_exclusions = {str(k): list(v) for k, v in exclusions.items()}
    else:
        excluded = set()
        for code, ids in exclusions.items():
            if not isinstance(ids, list) or not all(type(i) is int for i in ids):
                raise Mismatch("exclusions: %s must list integer ids" % code)
            if ids != sorted(set(ids)):
                raise Mismatch("exclusions: the ids under %s must be sorted and unique" % code)
            excluded.update(ids)
        canonical_exclusions = {str(code): ids for code, ids in exclusions.items()}
    both = sorted(set(pool) & excluded)
    if both:
        raise Mismatch("exclusions: expert %d is both in the pool and excluded" % both[0])
    doc = {
        "algorithm": algorithm, "draw": record["draw"], "body": record["body"], "pool": pool,
        "exclusions": canonical_exclusions,
        "conditions": record["conditions"] or {},
    }
    if algorithm == "quorum-draw-v3":
        members = record.get("members")
        if type(members) is not int:
            raise Mismatch("members: must be the integer number of members considered")
        if members < len(pool) + len(excluded):
            raise Mismatch("members: %d is fewer than the %d in the pool or excluded"
                           % (members, len(pool) + len(excluded)))
        doc["members"] = members
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    if sha256_hex(canonical) != record["pool_hash"]:
        raise Mismatch("pool_hash: does not match the pool, exclusions and conditions")
    secret = record["secret"]
    if not isinstance(secret, str) or len(secret) != 64:
        raise Mismatch("secret: not revealed (64 hex digits expected)")
    secret_bytes = bytes.fromhex(secret)
    if sha256_hex(secret_bytes) != record["secret_hash"]:
        raise Mismatch("secret_hash: does not match the revealed secret")
    entropy = record["entropy"]
    if not isinstance(entropy, str) or not entropy:
        raise Mismatch("entropy: missing")
    seed = sha256_hex(secret_bytes + entropy.encode("utf-8"))
    if record["seed"] != seed:
        raise Mismatch("seed: is not SHA-256(secret || entropy)")
    seed_bytes = bytes.fromhex(seed)
    order = sorted(pool, key=lambda i: (sha256_hex(seed_bytes + str(i).encode()), i))
    limit = (record["conditions"] or {}).get("invite")
    walked, active, invited = 0, set(), []
    for n, event in enumerate(record["picks"], start=1):
        outcome, expert, rank = event.get("outcome"), event.get("expert"), event.get("rank")
        if outcome in WALK:
            if walked >= len(order):
                raise Mismatch("picks[%d]: walks past the end of the order" % n)
            if rank != walked + 1:
                raise Mismatch("picks[%d]: rank %s where %d was next" % (n, rank, walked + 1))
            if expert != order[walked]:
                raise Mismatch("picks[%d]: rank %s is expert %s, not %s" % (n, rank, order[walked], expert))
            walked += 1
            if outcome == "invited":
                if limit is not None and len(active) >= limit:
                    raise Mismatch("picks[%d]: invites expert %s beyond the %s needed" % (n, expert, limit))
                active.add(expert)
                invited.append(expert)
            elif not event.get("reason"):
                raise Mismatch("picks[%d]: skipped expert %s without a reason" % (n, expert))
        elif outcome in DROP:
            if expert not in active:
                raise Mismatch("picks[%d]: %s for expert %s who holds no invitation" % (n, outcome, expert))
            if rank is not None and rank > walked:
                raise Mismatch("picks[%d]: %s at rank %s not yet walked" % (n, outcome, rank))
            active.discard(expert)
        else:
            raise Mismatch("picks[%d]: unknown outcome %r" % (n, outcome))
    selected = [e for e in invited if e in active]
    if list(record["panel"]) != selected:
        raise Mismatch("panel: expected %s, got %s" % (selected, record["panel"]))
    return selected


def verify(record):
    """(ok, selected_ids, problem) — the same triple as experts.draws.fairness.verify_record."""
    try:
        return True, check(record), ""
    except Mismatch as exc:
        return False, [], str(exc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return False, [], "malformed record: %s: %s" % (exc.__class__.__name__, exc)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: verify_draw.py record.json\n")
        return 2
    try:
        with open(argv[1], encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, ValueError) as exc:
        sys.stderr.write("cannot read %s: %s\n" % (argv[1], exc))
        return 2
    ok, selected, problem = verify(record)
    if not ok:
        sys.stderr.write("MISMATCH %s\n" % problem)
        return 1
    print("selected: " + " ".join(str(i) for i in selected))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
