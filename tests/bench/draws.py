"""`make bench`, part "Draws": the random-draw services on the xx-random pool, in-process
against the bench database (PostgreSQL). Called by tests/bench/run.py after seeding
(`seed_demo`, `seed_scale --experts N`: about a third of the N experts are xx-random members);
the pool is then topped up to BENCH_DRAW_POOL active members (100 000 by default, bulk inserts
of experts.scale.create_experts into xx-random alone, then ANALYZE), the size issue 5 names.

(a) One draw of 10 — server time. Conditions (a field with its sub-fields, a minimum title
    level), recusal (the reviewed unit and a partner unit as employers, a written exclusion of 3
    experts, plus the bookings of the earlier repetitions on the same day) and rotation (the
    xx-random policy: selected in the last 2 consecutive draws → sits out). Before every
    measured draw two finished draws are recorded directly (rows, not services: the setup is not
    measured) in which the same 10 experts of the eligible pool were selected, so that rotation
    really excludes them. Timed separately, REPEATS times:
      freeze = `freeze_pool` (the eligible pool, the members meeting the conditions but excluded
               with their grounds, the count of the others — record v3 —, the commitment, the
               stored snapshot, audit, the supervisor's notification; shown apart: the pool
               query `eligible_pool` and the write of the draw row);
      draw   = `enter_entropy` (seed, order, 10 invitations and bookings, audit) INCLUDING the
               after-commit hand-over of the 10 invitations to the worker (the task
               experts.send-invitations enqueued on the bench's broker; shown apart as
               "hand-over"). What the worker then does — the 10 in-app notifications and their
               delivery rows — is timed apart ("worker"), outside the request;
      total  = freeze + draw (in the portal they are two requests: the operator freezes, later
               the supervisor enters the public entropy).
    Median and p95 of each, SQL queries per step (CaptureQueriesContext).

(b) CONCURRENT draw requests at once: one thread each (its own database connection, closed at
    the end) creating + freezing + drawing a draw of 3 for the same engagement day on the same
    conditions (a narrower pool, so that late draws run short and the booking constraint is
    exercised). A semaphore caps the connections open at once below the server's
    max_connections (the PostgreSQL server may be shared). Reported: throughput, final states,
    and double bookings — no expert may hold two Booking rows on one day (the unique constraint
    guarantees it) nor two invitations for draws on that day.

Knobs (environment): BENCH_DRAW_POOL (100000; 0 = keep the seeded pool), BENCH_DRAW_REPEATS (20),
BENCH_DRAW_CONCURRENT (100),
BENCH_DRAW_CONNECTIONS (cap of simultaneous connections; default: what the server has free,
minus a margin of 25, at most BENCH_DRAW_CONCURRENT)."""
import os
import statistics
import threading
import time
from collections import Counter
from datetime import timedelta

BODY = "xx-random"
SECRETARIAT = "sec-xx-random"
SUPERVISOR = "supervisor"
REPEATS = int(os.environ.get("BENCH_DRAW_REPEATS", "20"))
POOL = int(os.environ.get("BENCH_DRAW_POOL", "100000"))
CONCURRENT = int(os.environ.get("BENCH_DRAW_CONCURRENT", "100"))
NEEDED_SINGLE, NEEDED_CONCURRENT = 10, 3
ROTATION_GROUP = 10  # experts selected in both of the last two draws before each measured draw
CONNECTION_MARGIN = 25  # connections left free for everything else on the server

# (a) conditions and recusal of the measured draw of 10
SINGLE = {
    "field": "materials", "min_title_level": "deputy_senior",
    "reviewed_unit": "新县质量技术研究院", "partner_units": ["郑州市质量技术研究院"],
}
# (b) a narrower pool (334 eligible with 20 000 seeded, a few thousand with the 100 000 pool)
CONCURRENT_CONDITIONS = {"field": "policy-law", "min_title_level": "senior", "regions": ["信阳市", "深圳市"]}


def _data(supervisor, *, day, title, reviewed_unit="新县某机械制造有限公司", partner_units=(), needed,
          min_title_level="", regions=()):
    return {
        "purpose": "inspection", "title": title, "reviewed_unit": reviewed_unit,
        "partner_units": list(partner_units), "project_participants": [], "engagement_start": day,
        "engagement_end": day, "place": "新县工业和信息化局", "reply_hours": 72, "supervisor": supervisor,
        "needed": needed, "needs_by_field": {}, "min_title_level": min_title_level, "regions": list(regions),
        "employer_types": [],
    }


def _people():
    from experts.models import ExpertField
    from portal.demo import demo_email
    from portal.models import Body, User

    body = Body.objects.select_related("policy").get(key=BODY)
    sec = User.objects.get(email=demo_email(SECRETARIAT))
    supervisor = User.objects.get(email=demo_email(SUPERVISOR))
    fields = {f.code: f for f in ExpertField.objects.filter(body=body)}
    return body, sec, supervisor, fields


def _ms(seconds):
    return seconds * 1000.0


def _stats(values):
    """(median, p95) of a list of seconds, in ms (p95: nearest rank)."""
    ordered = sorted(values)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return _ms(statistics.median(ordered)), _ms(p95)


def top_up_pool(body):
    """Active xx-random members up to POOL (bulk inserts), then fresh planner statistics."""
    from django.db import connection

    from experts.models import Expert
    from experts.scale import create_experts

    have = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE).count()
    missing = max(0, POOL - have)
    t0 = time.perf_counter()
    if missing:
        create_experts(missing, bodies=(BODY,))
        with connection.cursor() as cursor:
            # as autovacuum would after 100 000 inserts (users, profiles, memberships, permissions,
            # the candidate index): planner statistics and the visibility maps that let the pool
            # read the candidate index alone. Done here, it does not run during the measurements.
            cursor.execute("VACUUM (ANALYZE)")
    return {"before": have, "added": missing, "seconds": time.perf_counter() - t0}


def _record_rotation_draws(body, sec, supervisor, experts, day, tag):
    """Two finished random draws of the body, each having selected `experts` (rows written
    directly: setup, not measured). They are the body's latest drawn draws, so the next draw's
    rotation (2 consecutive selections → sits out) excludes these experts."""
    from django.utils import timezone

    from experts.models import Draw, Invitation

    now = timezone.now()
    for k in range(2):
        draw = Draw.objects.create(
            body=body, number=f"（压测）轮换 {tag}-{k + 1}", mode=Draw.Mode.RANDOM, status=Draw.Status.COMPLETE,
            purpose="inspection", title=f"（压测）轮换前置抽取 {tag}-{k + 1}", reviewed_unit="某单位",
            engagement_start=day + timedelta(days=k), engagement_end=day + timedelta(days=k), place="某地",
            needed=len(experts), reply_hours=72, supervisor=supervisor, operator=sec,
            policy_snapshot=body.policy.snapshot(), drawn_at=now + timedelta(microseconds=k), completed_at=now)
        Invitation.objects.bulk_create([
            Invitation(draw=draw, expert_id=pk, rank=n + 1, status=Invitation.Status.ACCEPTED, invited_at=now,
                       reply_by=now + timedelta(hours=72), replied_at=now) for n, pk in enumerate(experts)])


# ----------------------------------------------------------------------------------- (a)

class _DeliveryMeter:
    """Wraps experts.services.draws._deliver_invitations (run after the draw's commit) to count
    its time and queries apart from the draw's own."""

    def __init__(self):
        from experts.services import draws as services

        self.services, self.original = services, services._deliver_invitations
        self.seconds, self.queries, self.ids = 0.0, 0, []

    def __enter__(self):
        from django.db import connection

        def metered(ids):
            self.ids = list(ids)
            q0, t0 = len(connection.queries), time.perf_counter()
            try:
                return self.original(ids)
            finally:
                self.seconds += time.perf_counter() - t0
                self.queries += len(connection.queries) - q0

        self.services._deliver_invitations = metered
        return self

    def __exit__(self, *exc):
        self.services._deliver_invitations = self.original

    def reset(self):
        self.seconds, self.queries, self.ids = 0.0, 0, []

    def worker(self):
        """(seconds, queries) of what the worker does with the enqueued invitations."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from experts.services.invitations import send_invitation_ids

        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            send_invitation_ids(self.ids)
            return time.perf_counter() - t0, len(ctx.captured_queries)


class _PoolMeter:
    """Wraps experts.services.draws.eligible_pool (inside freeze_pool) to time it apart."""

    def __init__(self):
        from experts.services import draws as services

        self.services, self.original = services, services.eligible_pool
        self.seconds = 0.0

    def __enter__(self):
        def metered(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        self.services.eligible_pool = metered
        return self

    def __exit__(self, *exc):
        self.services.eligible_pool = self.original


class _WriteMeter:
    """Times the UPDATE of the draw row inside freeze_pool (the frozen pool and the exclusions:
    several hundred kB for 100 000 members) by wrapping Draw.save while freeze_pool runs."""

    def __init__(self):
        from experts.models import Draw

        self.model, self.original = Draw, Draw.save
        self.seconds = 0.0

    def __enter__(self):
        original = self.original

        def metered(draw, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(draw, *args, **kwargs)
            finally:
                if "exclusions" in (kwargs.get("update_fields") or ()):
                    self.seconds += time.perf_counter() - t0

        self.model.save = metered
        return self

    def __exit__(self, *exc):
        self.model.save = self.original


def _eligible_ids(body, field, min_level, units):
    """Active members with the field and at least the title level, not employed by `units`."""
    from experts.models import Expert
    from experts.models.pool import TITLE_RANK

    levels = [v for v, r in TITLE_RANK.items() if r >= TITLE_RANK[min_level]]
    return list(Expert.objects.filter(body=body, status=Expert.Status.ACTIVE, fields=field,
                                      profile__title_level__in=levels)
                .exclude(profile__employer__in=units).order_by("pk").values_list("pk", flat=True))


def single_draw(body, sec, supervisor, fields, today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from experts.draws.fairness import verify_record
    from experts.draws.record import build_record, excluded_count, exclusions_by_expert, unmatched_count
    from experts.models import Expert
    from experts.services import draws as services

    field = fields[SINGLE["field"]]
    units = [SINGLE["reviewed_unit"], *SINGLE["partner_units"]]
    eligible = _eligible_ids(body, field, SINGLE["min_title_level"], units)
    written = eligible[:3]
    rotation_group = eligible[3:3 + ROTATION_GROUP]
    members = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE).count()
    written_experts = list(Expert.objects.filter(pk__in=written))
    day = today + timedelta(days=40)
    conditions = {"min_title_level": SINGLE["min_title_level"]}

    rows = []
    with _DeliveryMeter() as meter, _PoolMeter() as pool_meter, _WriteMeter() as write_meter:
        for rep in range(REPEATS):
            _record_rotation_draws(body, sec, supervisor, rotation_group, today + timedelta(days=100 + 2 * rep),
                                   f"{time.time_ns() % 10**9}-{rep + 1}")
            draw = services.create_draw(
                body, actor=sec, fields=[field], excluded_experts=written_experts,
                data=_data(supervisor, day=day, needed=NEEDED_SINGLE, title=f"（压测）抽取 10 人 第 {rep + 1} 次",
                           reviewed_unit=SINGLE["reviewed_unit"], partner_units=SINGLE["partner_units"],
                           **conditions))
            meter.reset()
            pool_meter.seconds = write_meter.seconds = 0.0
            load = os.getloadavg()[0]
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                draw = services.freeze_pool(draw, actor=sec)
                t1 = time.perf_counter()
                n_freeze = len(ctx.captured_queries)
                draw = services.enter_entropy(draw, actor=supervisor, value=f"bench-{rep}", source="压测")
                t2 = time.perf_counter()
            worker = meter.worker()  # outside the request: the task's work, done here to time it
            draw.refresh_from_db()
            result = verify_record(build_record(draw, public=True))
            reasons = Counter(code for codes in exclusions_by_expert(draw).values() for code in codes)
            if unmatched_count(draw):
                reasons["not meeting the conditions (counted, not listed)"] = unmatched_count(draw)
            rows.append({
                "freeze": t1 - t0, "draw": t2 - t1, "total": t2 - t0, "deliver": meter.seconds,
                "worker": worker[0], "q_worker": worker[1],
                "pool_query": pool_meter.seconds, "write": write_meter.seconds, "load": load,
                "q_freeze": n_freeze, "q_draw": len(ctx.captured_queries) - n_freeze - meter.queries,
                "q_deliver": meter.queries, "invited": draw.invitations.count(), "status": draw.status,
                "pool": len(draw.pool), "excluded": excluded_count(draw), "reasons": reasons,
                "verified": result.ok, "algorithm": build_record(draw, public=True)["algorithm"],
            })
    return {"rows": rows, "members": members, "rotation_setting":
            int((draw.policy_snapshot or {}).get("rotation_consecutive_draws") or 0)}


# ----------------------------------------------------------------------------------- (b)

def _connection_budget():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int, (SELECT count(*) FROM pg_stat_activity)")
        max_conn, in_use = cursor.fetchone()
    env = os.environ.get("BENCH_DRAW_CONNECTIONS")
    budget = int(env) if env else max(4, max_conn - in_use - CONNECTION_MARGIN)
    return min(CONCURRENT, budget), max_conn, in_use


def concurrent_draws(body, sec, supervisor, fields, today):
    from django.db import connection
    from django.db.models import Count

    from experts.draws.fairness import verify_record
    from experts.draws.record import build_record
    from experts.models import Booking, Draw, Invitation
    from experts.services import draws as services

    day = today + timedelta(days=50)
    field = fields[CONCURRENT_CONDITIONS["field"]]
    slots, max_conn, in_use = _connection_budget()
    connection.close()
    gate = threading.BoundedSemaphore(slots)
    barrier = threading.Barrier(CONCURRENT + 1)
    lock = threading.Lock()
    done, errors, refused, latencies = [], [], [], []

    def request(n):
        barrier.wait()
        with gate:
            t0 = time.perf_counter()
            try:
                draw = services.create_draw(
                    body, actor=sec, fields=[field],
                    data=_data(supervisor, day=day, needed=NEEDED_CONCURRENT, title=f"（压测）并发抽取 {n + 1}",
                               min_title_level=CONCURRENT_CONDITIONS["min_title_level"],
                               regions=CONCURRENT_CONDITIONS["regions"]))
                try:
                    draw = services.freeze_pool(draw, actor=sec)
                except services.DrawError as exc:  # everybody eligible already booked that day
                    with lock:
                        refused.append((n, "; ".join(exc.messages)))
                    return
                draw = services.enter_entropy(draw, actor=supervisor, value=f"concurrent-{n}", source="压测")
                with lock:
                    done.append(draw.pk)
                    latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # reported (and failing the bench) below
                with lock:
                    errors.append(f"request {n}: {exc.__class__.__name__}: {exc}")
            finally:
                connection.close()

    threads = [threading.Thread(target=request, args=(n,), daemon=True) for n in range(CONCURRENT)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(300)
    elapsed = time.perf_counter() - t0
    hung = sum(t.is_alive() for t in threads)

    draws = list(Draw.objects.filter(pk__in=done))
    statuses = Counter(d.status for d in draws)
    skipped = Counter(p.get("reason") for d in draws for p in d.picks if p["outcome"] == "skipped")
    pool_sizes = [len(d.pool) for d in draws]
    verified = sum(verify_record(build_record(d, public=True)).ok for d in draws)
    double_bookings = (Booking.objects.values("expert_id", "day").annotate(n=Count("id")).filter(n__gt=1).count())
    per_expert = Counter(Invitation.objects.filter(draw__engagement_start__lte=day, draw__engagement_end__gte=day)
                         .values_list("expert_id", flat=True))
    double_invited = sum(1 for n in per_expert.values() if n > 1)
    seats = Invitation.objects.filter(draw_id__in=done).count()
    booked_day = Booking.objects.filter(day=day).count()
    connection.close()
    return {
        "elapsed": elapsed, "slots": slots, "max_conn": max_conn, "in_use": in_use, "statuses": statuses,
        "refused": refused, "errors": errors, "hung": hung, "latencies": sorted(latencies),
        "skipped": skipped, "pool_sizes": pool_sizes, "verified": verified, "drawn": len(draws),
        "double_bookings": double_bookings, "double_invited": double_invited, "invitations": seats,
        "booked_day": booked_day, "experts_invited": len(per_expert),
    }


# ----------------------------------------------------------------------------------- report

def run(log):
    """Run (a) and (b), print the "Draws" section through `log`; returns True when all is well
    (every measured draw verified, no error, no double booking)."""
    from django.db import connection
    from django.utils import timezone

    body, sec, supervisor, fields = _people()
    today = timezone.localdate()
    grown = top_up_pool(body) if POOL else None
    a = single_draw(body, sec, supervisor, fields, today)
    connection.close()
    b = concurrent_draws(body, sec, supervisor, fields, today)
    ok = True

    log("")
    log("Draws")
    log("-----")
    rows = a["rows"]
    last = rows[-1]
    if grown:
        log(f"pool: {BODY} topped up from {grown['before']} to {grown['before'] + grown['added']} active members "
            f"({grown['added']} bulk-inserted, with ANALYZE, in {grown['seconds']:.0f}s)")
    log(f"(a) one draw of {NEEDED_SINGLE} from the {BODY} pool ({a['members']} active members), "
        f"{len(rows)} repetitions, in-process, record {last['algorithm']}:")
    log(f"    conditions: field {SINGLE['field']} (and sub-fields), title >= {SINGLE['min_title_level']}; recusal: "
        f"reviewed unit {SINGLE['reviewed_unit']} + partner {SINGLE['partner_units'][0]} (employer, relation), "
        f"3 written exclusions, earlier repetitions' bookings that day; rotation: {a['rotation_setting']} "
        f"consecutive draws ({ROTATION_GROUP} experts selected in both)")
    log(f"    eligible pool {last['pool']} experts, excluded {last['excluded']} (last repetition): "
        + ", ".join(f"{code} {n}" for code, n in sorted(last["reasons"].items())))
    steps = [("freeze", "freeze_pool: pool + reasons, commitment, snapshot, audit"),
             ("pool_query", "  of which eligible_pool (the field ids + one SQL statement)"),
             ("write", "  of which writing the draw row (pool + exclusions)"),
             ("draw", f"enter_entropy: order, {NEEDED_SINGLE} invitations + bookings, audit, hand-over"),
             ("deliver", f"  of which after-commit hand-over of the {NEEDED_SINGLE} invitations"),
             ("worker", f"worker (not in the request): {NEEDED_SINGLE} notifications + deliveries"),
             ("total", "freeze + draw (two requests in the portal)")]
    log(f"    server time over {len(rows)} runs           median      p95")
    for key, label in steps:
        med, p95 = _stats([r[key] for r in rows])
        log(f"    {label:<62}{med:>8.1f} ms{p95:>8.1f} ms")
    loads = [r["load"] for r in rows]
    log(f"    machine: {os.cpu_count()} cores, 1-minute load average during the runs {min(loads):.1f}–{max(loads):.1f} "
        f"(other processes share the cores: figures under load are higher)")
    log(f"    SQL queries per draw: freeze_pool {last['q_freeze']}, enter_entropy {last['q_draw']} "
        f"+ {last['q_deliver']} after commit (hand-over to the worker), worker {last['q_worker']} — "
        f"the same whatever the pool size: no query per expert")
    log("    per repetition (ms freeze+draw / queries freeze+draw+hand-over / rotation excluded): " + "; ".join(
        f"{_ms(r['freeze']):.0f}+{_ms(r['draw']):.0f} / {r['q_freeze']}+{r['q_draw']}+{r['q_deliver']} / "
        f"{r['reasons'].get('rotation', 0)}" for r in rows))
    bad = [i + 1 for i, r in enumerate(rows) if not r["verified"] or r["invited"] != NEEDED_SINGLE
           or r["status"] != "inviting"]
    if bad:
        log(f"FAIL: draws of 10, repetitions {bad}: not verified, or not {NEEDED_SINGLE} invited")
        ok = False
    if not all(r["reasons"].get("rotation") for r in rows):
        log("FAIL: rotation excluded nobody in some repetition")
        ok = False

    lat = b["latencies"]
    pools = b["pool_sizes"]
    log(f"(b) {CONCURRENT} concurrent draw requests (create + freeze + draw {NEEDED_CONCURRENT}), same day, same pool "
        f"(field {CONCURRENT_CONDITIONS['field']}, title >= {CONCURRENT_CONDITIONS['min_title_level']}, "
        f"regions {'/'.join(CONCURRENT_CONDITIONS['regions'])}); one thread each, own connection, "
        f"at most {b['slots']} open at once (server max_connections {b['max_conn']}, {b['in_use']} in use before)")
    p50, worst = (_ms(statistics.median(lat)), _ms(lat[-1])) if lat else (float("nan"), float("nan"))
    log(f"    {b['elapsed']:.1f} s wall, {len(lat) / b['elapsed']:.1f} draws/s; latency per request p50 "
        f"{p50:.0f} ms, max {worst:.0f} ms")
    states = ", ".join(f"{s.upper()} {n}" for s, n in sorted(b["statuses"].items()))
    log(f"    outcome: {states or 'none drawn'}; refused at freeze (nobody eligible left) {len(b['refused'])}; "
        f"errors {len(b['errors'])}; frozen pool size {min(pools) if pools else 0}–{max(pools) if pools else 0}")
    log(f"    {b['invitations']} invitations to {b['experts_invited']} experts, {b['booked_day']} bookings that day; "
        f"walk skips: " + (", ".join(f"{k} {n}" for k, n in sorted(b["skipped"].items())) or "none")
        + f"; records verified {b['verified']}/{b['drawn']}")
    log(f"    double bookings: {b['double_bookings']} (experts with two Booking rows on one day); "
        f"experts with two invitations that day: {b['double_invited']}")
    if b["errors"] or b["hung"]:
        log(f"FAIL: concurrent draws: {len(b['errors'])} errors, {b['hung']} threads hung; e.g. {b['errors'][:3]}")
        ok = False
    if b["double_bookings"] or b["double_invited"]:
        log("FAIL: an expert was booked twice")
        ok = False
    if b["verified"] != b["drawn"] or len(b["refused"]) + b["drawn"] != CONCURRENT:
        log("FAIL: some concurrent draws did not verify or went missing")
        ok = False
    return ok


if __name__ == "__main__":
    # the draw part alone, against the database of the current settings (which must be a
    # seeded PostgreSQL database: seed_demo, then seed_scale):
    #   DJANGO_SETTINGS_MODULE=portal.settings.bench DATABASE_URL=… python -m tests.bench.draws
    import sys

    import django

    django.setup()
    sys.exit(0 if run(print) else 1)
