"""The algorithm quorum-draw-v1 as pure functions, and verification of records,
including a tampered copy of every field."""
import copy
import hashlib
import json

import pytest

from experts.draws import fairness

SECRET = "ab" * 32
ENTROPY = "2030-03-01 福彩3D 128"


def synthetic_record(pool=tuple(range(101, 121)), invite=3, drops=(1,), skips=None):
    """A record as the services build it: walk the order, invite `invite`, drop the
    invitations at the given walk positions, replace each from the next rank."""
    pool = sorted(pool)
    skips = skips or {}
    exclusions = {"7": ["employer"], "9": ["rotation", "booked"]}
    conditions = {"invite": invite, "needed": invite, "fields": ["policy-law"]}
    seed = fairness.derive_seed(SECRET, ENTROPY)
    order = fairness.ranked(pool, seed)
    picks, active, invited_order, rank = [], [], [], 0

    def walk():
        nonlocal rank
        while len(active) < invite and rank < len(order):
            expert = order[rank]
            rank += 1
            if expert in skips:
                picks.append({"rank": rank, "expert": expert, "outcome": "skipped", "reason": skips[expert], "at": "t"})
            else:
                picks.append({"rank": rank, "expert": expert, "outcome": "invited", "at": "t"})
                active.append(expert)
                invited_order.append(expert)

    walk()
    for position in drops:
        expert = invited_order[position]
        picks.append({"rank": invited_order.index(expert) + 1, "expert": expert, "outcome": "declined", "at": "t"})
        active.remove(expert)
        walk()
    return {
        "algorithm": "quorum-draw-v1", "draw": 42, "body": "xx-random", "number": "新工信专抽〔2030〕1号",
        "conditions": conditions, "pool": pool, "exclusions": exclusions,
        "pool_hash": fairness.pool_hash(42, "xx-random", pool, exclusions, conditions),
        "secret_hash": fairness.secret_hash(SECRET), "secret": SECRET, "entropy": ENTROPY,
        "entropy_source": "福彩3D", "seed": seed, "picks": picks,
        "panel": [e for e in invited_order if e in active],
    }


def test_canonical_pool_is_sorted_compact_json():
    raw = fairness.canonical_pool(5, "gd", [3, 1, 2], {"9": ["employer"]}, {"b": 1, "a": "质量"})
    assert raw == ('{"algorithm":"quorum-draw-v1","body":"gd","conditions":{"a":"质量","b":1},'
                   '"draw":5,"exclusions":{"9":["employer"]},"pool":[1,2,3]}').encode()
    assert fairness.pool_hash(5, "gd", [3, 1, 2], {"9": ["employer"]}, {"b": 1, "a": "质量"}) == \
        hashlib.sha256(raw).hexdigest()


def test_secret_and_seed_follow_the_published_formulas():
    assert fairness.secret_hash(SECRET) == hashlib.sha256(bytes.fromhex(SECRET)).hexdigest()
    assert fairness.derive_seed(SECRET, ENTROPY) == hashlib.sha256(
        bytes.fromhex(SECRET) + ENTROPY.encode("utf-8")).hexdigest()
    secret = fairness.new_secret()
    assert len(secret) == 64 and secret != fairness.new_secret()


def test_order_is_a_permutation_ranked_by_hash_and_depends_on_the_seed():
    seed = fairness.derive_seed(SECRET, ENTROPY)
    pool = list(range(1, 200))
    order = fairness.ranked(pool, seed)
    assert sorted(order) == pool
    by_hex = sorted(pool, key=lambda i: (hashlib.sha256(bytes.fromhex(seed) + str(i).encode()).hexdigest(), i))
    assert order == by_hex
    assert fairness.ranked(pool, fairness.derive_seed(SECRET, ENTROPY + "1")) != order


def test_a_valid_record_verifies_and_names_the_panel():
    record = synthetic_record(skips=None)
    result = fairness.verify_record(record)
    assert result.ok and result.problem == ""
    assert result.selected_ids == record["panel"] and len(result.selected_ids) == 3


def test_skips_with_reasons_are_part_of_the_walk():
    seed = fairness.derive_seed(SECRET, ENTROPY)
    second = fairness.ranked(list(range(101, 121)), seed)[1]
    record = synthetic_record(skips={second: "booked"})
    assert fairness.verify_record(record).ok
    assert [p["outcome"] for p in record["picks"]][:2] == ["invited", "skipped"]


def _tamper(record, name):
    r = copy.deepcopy(record)
    if name == "pool":
        r["pool"] = r["pool"][:-1]
    elif name == "exclusions":
        r["exclusions"]["7"] = ["participant"]
    elif name == "pool_hash":
        r["pool_hash"] = "0" * 64
    elif name == "secret":
        r["secret"] = "cd" * 32
    elif name == "secret_hash":
        r["secret_hash"] = fairness.secret_hash("cd" * 32)
    elif name == "entropy":
        r["entropy"] = ENTROPY + " "
    elif name == "seed":
        r["seed"] = fairness.derive_seed(SECRET, "other")
    elif name == "picks":
        r["picks"][0]["expert"], r["picks"][1]["expert"] = r["picks"][1]["expert"], r["picks"][0]["expert"]
    elif name == "panel":
        r["panel"] = list(reversed(r["panel"]))
    return r


TAMPERED = ["pool", "exclusions", "pool_hash", "secret", "secret_hash", "entropy", "seed", "picks", "panel"]


@pytest.mark.parametrize("name", TAMPERED)
def test_tampering_with_any_field_fails_verification(name):
    result = fairness.verify_record(_tamper(synthetic_record(), name))
    assert not result.ok
    assert result.problem.split(":")[0].split("[")[0] in {name, "pool_hash", "seed", "secret_hash"}


@pytest.mark.parametrize("change, problem", [
    (lambda r: r["picks"].pop(0), "rank 2 where 1 was next"),
    (lambda r: r["picks"].append({"rank": 99, "expert": r["pool"][0], "outcome": "expired"}), "holds no invitation"),
    (lambda r: r["picks"][0].update(outcome="skipped"), "without a reason"),
    (lambda r: r["conditions"].update(invite=2), "pool_hash"),
    (lambda r: r.update(algorithm="other"), "algorithm"),
    (lambda r: r.update(pool=[3, 1]), "sorted"),
    (lambda r: r.pop("seed"), "malformed"),
])
def test_each_rule_of_the_walk_is_checked(change, problem):
    record = synthetic_record()
    change(record)
    result = fairness.verify_record(record)
    assert not result.ok and problem in result.problem


def test_inviting_beyond_the_committed_number_fails():
    record = synthetic_record(drops=())
    seed = record["seed"]
    order = fairness.ranked(record["pool"], seed)
    record["picks"].append({"rank": 4, "expert": order[3], "outcome": "invited", "at": "t"})
    record["panel"].append(order[3])
    assert "beyond the 3 needed" in fairness.verify_record(record).problem


def test_record_survives_a_json_round_trip():
    record = json.loads(json.dumps(synthetic_record(), ensure_ascii=False))
    assert fairness.verify_record(record).ok
