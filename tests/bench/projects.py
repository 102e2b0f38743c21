"""`make bench`, part "Projects": the public statistics page, the public notice list, the staff
project list and a unit's "my projects" page with PROJECTS jx-base projects (bulk-created on
top of the demo), in-process with Django's test Client: SQL queries per page (they must not
grow with the number of projects) and the median server time of REPEATS renders.

Called by tests/bench/run.py after seeding; standalone (on an already migrated and seeded
database named by DATABASE_URL): `python tests/bench/projects.py`.
Knobs (environment): BENCH_PROJECTS (10000), BENCH_PROJECT_REPEATS (7)."""
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

PROJECTS = int(os.environ.get("BENCH_PROJECTS", "10000"))
REPEATS = int(os.environ.get("BENCH_PROJECT_REPEATS", "7"))
BODY = "jx-base"
MARK = "基准项目"


def seed(n):
    """Bulk-create `n` projects (statuses, fields, years and units spread out) with one output
    each, once: rows already there are counted, not created again."""
    from portal.models import Body, User
    from projects.models import Organisation, Output, Project

    body = Body.objects.get(key=BODY)
    have = Project.objects.filter(body=body, title__startswith=MARK).count()
    if have >= n:
        return have
    creator = User.objects.filter(is_superuser=True).order_by("pk").first()
    orgs = [Organisation.objects.get_or_create(body=body, name=f"基准参与单位{i:02d}")[0] for i in range(40)]
    statuses = [s for s, _l in Project.Status.choices]
    fields = [f for f, _l in Project.Field.choices]
    kinds = ["standard", "report", "pilot", "patent", "other"]
    start = date(2022, 1, 1)
    batch = []
    for i in range(have, n):
        batch.append(Project(
            body=body, owner_org=orgs[i % len(orgs)], created_by=creator, title=f"{MARK}{i:05d}",
            number=f"BENCH-XM-{i:05d}", status=statuses[i % len(statuses)], field=fields[i % len(fields)],
            year=2022 + i % 5, starts_on=start + timedelta(days=i % 900), ends_on=start + timedelta(days=i % 900 + 365),
            notice_starts_on=start, notice_ends_on=start + timedelta(days=7)))
        if len(batch) == 2000:
            Project.objects.bulk_create(batch)
            batch = []
    Project.objects.bulk_create(batch)
    ids = list(Project.objects.filter(body=body, title__startswith=MARK).values_list("pk", flat=True))
    Output.objects.bulk_create([Output(project_id=pk, kind=kinds[pk % 5], title="成果", published=pk % 2 == 0)
                                for pk in ids], batch_size=2000)
    orgs[1].members.add(creator)
    return len(ids)


def measure(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, status = [], 0, None
    for _i in range(REPEATS):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            resp = client.get(path)
            times.append(time.perf_counter() - t0)
        queries, status = len(ctx.captured_queries), resp.status_code
    return {"median_ms": statistics.median(times) * 1000, "queries": queries, "status": status}


def run(log):
    """Seed, measure, print the "Projects" section through `log`; True when every page rendered."""
    from django.test import Client

    from portal.models import User

    count = seed(PROJECTS)
    staff = User.objects.get(email="sec-jx-base@demo.quorum.cn")
    unit = User.objects.filter(is_superuser=True).order_by("pk").first()
    anon = Client()
    staff_client, unit_client = Client(), Client()
    staff_client.force_login(staff)
    unit_client.force_login(unit)
    plan = [("/projects/results/", "anon", anon), ("/projects/notices/", "anon", anon),
            ("/projects/staff/jx-base/", "staff", staff_client),
            ("/projects/staff/jx-base/?status=in_progress&q=基准", "staff", staff_client),
            ("/projects/", "unit", unit_client)]
    ok = True
    log("")
    log("Projects")
    log("--------")
    log(f"{count} bench projects in {BODY} (+ the demo's), one output each; {REPEATS} renders per page, in-process")
    for path, who, client in plan:
        r = measure(client, path)
        ok = ok and r["status"] == 200
        log(f"    {path:<48} {who:<6} {r['status']}  {r['queries']:>3} queries  median {r['median_ms']:.1f} ms")
    return ok


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    sys.exit(0 if run(print) else 1)
