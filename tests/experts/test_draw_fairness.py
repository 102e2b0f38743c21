"""The algorithm quorum-draw-v1 as pure functions, and verification of records,
including a tampered copy of every field."""
import copy
import hashlib
import json

import pytest

from experts.draws import fairness

SECRET = "ab" * 32
ENTROPY = "2030-03-01 福彩3D 128"


def synthetic_record(pool=tuple(range(101, 121)), invite=3, drops=(1,), skips=None, algorithm=fairness.V1):
    """A record as the services build it: walk the order, invite `invite`, drop the
    invitations at the given walk positions, replace each from the next rank. v1 lists the
    exclusions per expert, v2 per reason (the same facts)."""
    pool = sorted(pool)
    skips = skips or {}
    exclusions = {"7": ["employer"], "9": ["rotation", "booked"]}
    if algorithm in (fairness.V2, fairness.V3):
        exclusions = {"employer": [7], "rotation": [9], "booked": [9]}
    members = len(pool) + 2 + 500 if algorithm == fairness.V3 else None  # v3: 500 did not meet the conditions
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
        "algorithm": algorithm, "draw": 42, "body": "xx-random", "number": "新工信专抽〔2030〕1号",
        "conditions": conditions, "pool": pool, "exclusions": exclusions,
        **({"members": members} if members is not None else {}),
        "pool_hash": fairness.pool_hash(42, "xx-random", pool, exclusions, conditions, algorithm, members),
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
    elif name == "exclusions" and r["algorithm"] != fairness.V1:
        r["exclusions"]["participant"] = [0]
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


# ---------------------------------------------------------------------------
# record version 2 (exclusions grouped by reason) and the partial ranking


def test_canonical_pool_v2_groups_the_exclusions_by_reason():
    raw = fairness.canonical_pool(5, "gd", [3, 1, 2], {"employer": [9, 4], "booked": [9]}, {"a": "质量"},
                                  fairness.V2)
    assert raw == ('{"algorithm":"quorum-draw-v2","body":"gd","conditions":{"a":"质量"},"draw":5,'
                   '"exclusions":{"booked":[9],"employer":[4,9]},"pool":[1,2,3]}').encode()
    with pytest.raises(ValueError):
        fairness.canonical_pool(5, "gd", [1], {}, {}, "quorum-draw-v9")


def test_both_shapes_of_the_exclusions_say_the_same():
    v1 = {"4": ["employer"], "9": ["employer", "booked"]}
    v2 = {"booked": [9], "employer": [4, 9]}
    assert fairness.exclusions_by_reason(v1, fairness.V1) == v2
    assert fairness.exclusions_by_expert(v2, fairness.V2, ("employer", "booked")) == v1
    assert fairness.excluded_ids(v1, fairness.V1) == fairness.excluded_ids(v2, fairness.V2) == {4, 9}


def test_a_v2_record_verifies_like_a_v1_record():
    v1, v2 = synthetic_record(), synthetic_record(algorithm=fairness.V2)
    assert v1["pool_hash"] != v2["pool_hash"]
    assert fairness.verify_record(v2).ok and fairness.verify_record(v2).selected_ids == v1["panel"]


@pytest.mark.parametrize("algorithm", [fairness.V2, fairness.V3])
@pytest.mark.parametrize("name", TAMPERED)
def test_tampering_with_any_field_of_a_v2_or_v3_record_fails(name, algorithm):
    result = fairness.verify_record(_tamper(synthetic_record(algorithm=algorithm), name))
    assert not result.ok
    assert result.problem.split(":")[0].split("[")[0] in {name, "pool_hash", "seed", "secret_hash"}


def test_canonical_pool_v3_commits_the_members_considered():
    raw = fairness.canonical_pool(5, "gd", [3, 1, 2], {"employer": [9, 4]}, {"a": "质量"}, fairness.V3, 90)
    assert raw == ('{"algorithm":"quorum-draw-v3","body":"gd","conditions":{"a":"质量"},"draw":5,'
                   '"exclusions":{"employer":[4,9]},"members":90,"pool":[1,2,3]}').encode()


def test_a_v3_record_verifies_and_its_member_count_is_committed():
    v2, v3 = synthetic_record(algorithm=fairness.V2), synthetic_record(algorithm=fairness.V3)
    assert fairness.verify_record(v3).ok and fairness.verify_record(v3).selected_ids == v2["panel"]
    changed = copy.deepcopy(v3)
    changed["members"] += 1  # one more (or fewer) member said to fail the conditions: the hash breaks
    assert fairness.verify_record(changed).problem.startswith("pool_hash")


@pytest.mark.parametrize("members, problem", [
    (None, "members: must be the integer"), ("620", "members: must be the integer"), (True, "members: must be"),
    (21, "members: 21 is fewer than the 22 in the pool or excluded"),  # 20 in the pool + 2 listed
])
def test_a_v3_record_needs_a_plausible_member_count(members, problem):
    record = synthetic_record(algorithm=fairness.V3)
    record["members"] = members
    result = fairness.verify_record(record)
    assert not result.ok and result.problem.startswith(problem)


@pytest.mark.parametrize("change, problem", [
    (lambda r: r["exclusions"].update(employer=[7, 7]), "sorted and unique"),
    (lambda r: r["exclusions"].update(employer=["7"]), "integer ids"),
    (lambda r: r["exclusions"].update(booked=[r["pool"][0]]), "both in the pool and excluded"),
])
@pytest.mark.parametrize("algorithm", [fairness.V2, fairness.V3])
def test_v2_v3_exclusions_must_be_sorted_integer_ids_outside_the_pool(change, problem, algorithm):
    record = synthetic_record(algorithm=algorithm)
    change(record)
    result = fairness.verify_record(record)
    assert not result.ok and problem in result.problem


@pytest.mark.parametrize("n, count", [(1, 1), (50, 3), (5000, 1), (5000, 10), (5000, 200), (20000, 25)])
def test_ranked_prefix_is_the_start_of_the_full_order(n, count):
    seed = fairness.derive_seed(SECRET, f"{n}-{count}")
    pool = list(range(1000, 1000 + n))
    full = fairness.ranked(pool, seed)
    prefix = fairness.ranked_prefix(pool, seed, count)
    assert len(prefix) >= min(count, n) and prefix == full[:len(prefix)]


def test_ranked_prefix_widens_its_threshold_when_too_few_fall_under_it():
    pool, seed = list(range(1, 20001)), fairness.derive_seed(SECRET, "narrow")
    # a threshold that expects half of what is asked for: too few the first time, then doubled
    prefix = fairness.ranked_prefix(pool, seed, 100, spare=(0.5, 0))
    assert len(prefix) >= 100 and prefix == fairness.ranked(pool, seed)[:len(prefix)]


def test_the_lazy_order_reads_like_the_full_order():
    pool, seed = list(range(1, 3001)), fairness.derive_seed(SECRET, ENTROPY)
    full, order = fairness.ranked(pool, seed), fairness.Order(pool, seed)
    assert len(order) == 3000
    assert order.take(0, 10) == full[:10]
    assert order.take(10, 500) == full[10:500]  # beyond what was ranked: ranked further
    assert order.take(2990, 4000) == full[2990:]
