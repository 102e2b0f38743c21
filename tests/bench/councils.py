"""`make bench`, part "Councils": ballots and the tally with 200 seats, in-process against the
bench database (PostgreSQL). Call `run(log)` from tests/bench/run.py after seeding; it builds
its own council (200 individual seats, all present at a meeting in progress) on the jx-base
body, so it needs only the seed bodies.

(a) cast_ballot, sequential: server time per ballot (median, p95, max) and SQL queries, for the
    first SEQUENTIAL seats on one connection.
(b) cast_ballot, concurrent: the other seats cast at once, one thread each, a semaphore capping
    the connections open together (the server may be shared). Reported: wall time, throughput.
(c) the tally selector (`councils.selectors.tally`) with 200 ballots: median and max of
    TALLY_REPEATS calls, SQL queries per call.
(d) close_motion: server time of the final count, resolution and notifications.

Fails (returns False) when a ballot is lost or counted twice, or any call raised.
Standalone: `PYTHONPATH=. DJANGO_SETTINGS_MODULE=portal.settings.test python tests/bench/councils.py`.
Knobs (environment): BENCH_COUNCIL_SEATS (200), BENCH_COUNCIL_SEQUENTIAL (50), BENCH_COUNCIL_TALLY_REPEATS (50),
BENCH_COUNCIL_CONNECTIONS (cap; default: free connections minus 25, at most 50).
"""
import os
import secrets
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

SEATS = int(os.environ.get("BENCH_COUNCIL_SEATS", "200"))
SEQUENTIAL = int(os.environ.get("BENCH_COUNCIL_SEQUENTIAL", "50"))
TALLY_REPEATS = int(os.environ.get("BENCH_COUNCIL_TALLY_REPEATS", "50"))
BODY = "jx-base"
MARGIN = 25


def _ms(seconds):
    return seconds * 1000.0


def _connections_cap():
    from django.db import connection

    if os.environ.get("BENCH_COUNCIL_CONNECTIONS"):
        return max(1, int(os.environ["BENCH_COUNCIL_CONNECTIONS"]))
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)")
        free = cur.fetchone()[0]
    return max(2, min(50, free - MARGIN))


def build(now):
    """A council of SEATS individual seats (chair, 5 vice-chairs, members), a meeting in progress
    with everyone checked in, and an open ordinary motion."""
    from django.contrib.auth.hashers import make_password

    from councils import rules
    from councils.models import Attendance, Council, Meeting, Seat
    from councils.services import votes
    from portal.models import Body, User

    body = Body.objects.select_related("policy").get(key=BODY)
    tag = secrets.token_hex(4)
    password = make_password(None)
    users = User.objects.bulk_create([
        User(email=f"bench-council-{tag}-{i}@example.cn", name=f"理事{i:03d}", password=password)
        for i in range(SEATS + 1)])
    staff_user = User.objects.create(email=f"bench-council-{tag}-staff@example.cn", name="秘书处", password=password,
                                     is_superuser=True)
    council = Council.objects.create(body=body, name_zh=f"基准测试理事会 {tag}", number_prefix="基准理决")
    start = now.date() - timedelta(days=30)
    roles = [Seat.Role.CHAIR] + [Seat.Role.VICE_CHAIR] * 5 + [Seat.Role.MEMBER] * (SEATS - 6)
    seats = Seat.objects.bulk_create([
        Seat(council=council, role=role, holder=users[i], term_start=start, term_end=start + timedelta(days=1000))
        for i, role in enumerate(roles)])
    meeting = Meeting.objects.create(
        council=council, number=1, title="基准测试会议", place="会议室", starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=3), convener=users[0], status=Meeting.Status.IN_PROGRESS,
        policy_snapshot=rules.policy_snapshot(body.policy), opened_at=now - timedelta(minutes=30))
    Attendance.objects.bulk_create([
        Attendance(meeting=meeting, seat=s, attendee=s.holder, checked_in_at=now - timedelta(minutes=20))
        for s in seats])
    motion = votes.create_motion(council, actor=staff_user, title="基准测试议案", meeting=meeting)
    motion = votes.open_motion(motion, actor=staff_user, now=now - timedelta(minutes=10))
    return {"council": council, "seats": seats, "staff": staff_user, "motion": motion}


def run(log):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from councils import selectors
    from councils.models import Ballot
    from councils.services import votes

    ok = True
    now = timezone.now()
    t0 = time.monotonic()
    ctx = build(now)
    t_build = time.monotonic() - t0
    motion, seats = ctx["motion"], ctx["seats"]
    choice = {s.pk: ("yes", "yes", "no", "abstain")[i % 4] for i, s in enumerate(seats)}
    errors = []

    # (a) sequential
    times, queries = [], []
    for s in seats[:SEQUENTIAL]:
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            votes.cast_ballot(motion, s, actor=s.holder, choice=choice[s.pk])
            times.append(time.perf_counter() - t)
        queries.append(len(q))
    connection.close()

    # (b) concurrent
    rest = seats[SEQUENTIAL:]
    cap = _connections_cap()
    slots = threading.BoundedSemaphore(cap)
    barrier = threading.Barrier(len(rest)) if rest else None

    def cast(seat):
        try:
            barrier.wait(timeout=120)
            with slots:
                try:
                    votes.cast_ballot(motion, seat, actor=seat.holder, choice=choice[seat.pk])
                finally:
                    connection.close()
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=cast, args=(s,)) for s in rest]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    t_concurrent = time.perf_counter() - t

    # (c) tally
    motion.refresh_from_db()
    tally_times = []
    for _i in range(TALLY_REPEATS):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            live = selectors.tally(motion)
            tally_times.append(time.perf_counter() - t)
    tally_queries = len(q)

    # (d) close
    t = time.perf_counter()
    with CaptureQueriesContext(connection) as qc:
        closed = votes.close_motion(motion, actor=ctx["staff"])
    t_close = time.perf_counter() - t

    expected = {k: sum(1 for v in choice.values() if v == k) for k in ("yes", "no", "abstain")}
    ballots = Ballot.objects.filter(motion=motion).count()
    counted = {k: closed.tally[k] for k in expected}

    log("")
    log("Councils")
    log("--------")
    log(f"setup: {SEATS} seats present, open motion ({_ms(t_build):.0f} ms)")
    srt = sorted(times)
    log(f"(a) cast_ballot sequential, {len(times)} ballots: median {_ms(statistics.median(times)):.1f} ms, "
        f"p95 {_ms(srt[int(len(srt) * 0.95) - 1]):.1f} ms, max {_ms(max(times)):.1f} ms; "
        f"{statistics.median(queries):.0f} SQL queries per ballot")
    log(f"(b) cast_ballot concurrent, {len(rest)} threads released together (max {cap} connections at once): "
        f"{t_concurrent:.2f} s wall, {len(rest) / t_concurrent:.0f} ballots/s, errors {len(errors)}")
    log(f"(c) tally selector with {live['cast']} ballots: median {_ms(statistics.median(tally_times)):.2f} ms, "
        f"max {_ms(max(tally_times)):.2f} ms, {tally_queries} SQL quer{'y' if tally_queries == 1 else 'ies'}")
    log(f"(d) close_motion: {_ms(t_close):.0f} ms, {len(qc)} SQL queries (result {closed.result}: "
        f"{closed.tally['summary']})")
    log(f"    ballots stored {ballots}, counted {counted}, expected {expected}")
    if errors:
        log("FAIL: " + "; ".join(errors[:3]))
        ok = False
    if ballots != SEATS or counted != expected:
        log("FAIL: ballots lost or counted twice")
        ok = False
    connection.close()
    return ok


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from portal.demo import ensure_bodies

    ensure_bodies()
    sys.exit(0 if run(print) else 1)
