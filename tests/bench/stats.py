"""Bench, part "Statistics": the staff statistics page and the streamed per-expert Excel
export, in-process against the bench database, for the body with the most members (after
`seed_scale --experts N` the N experts are spread over jm-storage, gd-quality and xx-random).

    run(log) -> bool           # called by tests/bench/run.py after seeding; prints through `log`
    python tests/bench/stats.py   # standalone, against $DATABASE_URL (seed it first:
                                  # manage.py seed_demo; manage.py seed_scale --experts 100000)

Measured: the page's server time (test Client, logged in as a user holding the secretariat role
of that body; median of REPEATS) and its SQL query count; the export's time to the last byte,
its size and row count (a write-only workbook written to a temporary file and streamed)."""
import os
import statistics
import sys
import time
from pathlib import Path

REPEATS = int(os.environ.get("BENCH_STATS_REPEATS", "3"))


def _biggest_body():
    from django.db.models import Count, Q

    from portal.models import Body

    return (Body.objects.annotate(n=Count("experts", filter=Q(experts__status="active")))
            .order_by("-n", "key").first())


def _staff(body):
    from portal.models import Role, RoleAssignment, User
    from portal.roles import grant_role

    user, _created = User.objects.get_or_create(email=f"bench-stats-{body.key}@bench.quorum.cn",
                                                defaults={"name": "统计基准", "email_verified": True})
    if not RoleAssignment.objects.filter(user=user, body=body, role=Role.SECRETARIAT).exists():
        grant_role(user, body, Role.SECRETARIAT, actor=None)
    return user


def run(log):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    body = _biggest_body()
    user = _staff(body)
    client = Client()
    client.force_login(user)
    url = reverse("experts:stats", args=[body.key])
    export_url = reverse("experts:stats-export", args=[body.key])
    ok = True
    times = []
    for _i in range(REPEATS):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200 or b"<svg" not in response.content:
            ok = False
    queries = len(ctx.captured_queries)
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(export_url)
        size = sum(len(chunk) for chunk in response.streaming_content)
    t_export = time.perf_counter() - t0
    export_queries = len(ctx.captured_queries)
    from experts.models import Expert

    members = Expert.objects.filter(body=body).count()
    if response.status_code != 200:
        ok = False
    log("")
    log("Statistics")
    log("----------")
    log(f"body {body.key}: {body.n} active experts, {members} memberships")
    log(f"    statistics page: median {1000 * statistics.median(times):.0f} ms over {REPEATS} "
        f"(min {1000 * min(times):.0f}, max {1000 * max(times):.0f}), {queries} SQL queries")
    log(f"    per-expert export: {t_export:.2f} s to the last byte, {size / 1e6:.1f} MB, {members} rows, "
        f"{export_queries} SQL queries")
    if not ok:
        log("FAIL: the statistics page or the export did not render")
    return ok


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    sys.exit(0 if run(print) else 1)
