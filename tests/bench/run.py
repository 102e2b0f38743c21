"""`make bench`: throughput and latency of public and staff pages under gunicorn + PostgreSQL.

Steps: reset the `quorum_bench` database (BENCH_DB) on the TEST_DATABASE_URL server, migrate,
seed (`seed_demo --quiet-accounts`, `seed_scale --users 2000 --experts 20000`), ANALYZE,
collectstatic into a temp dir, the draw benchmarks in-process (tests/bench/draws.py: server time of
one draw of 10, 100 concurrent draw requests; printed under "Draws" at the end), count the SQL
queries of each page in-process (test Client:
anonymous for the public pages, `force_login` as the gd-quality secretariat for the staff
pages), start gunicorn with `portal.settings.bench` on a free loopback port, then for each page:
a short warm-up and a fixed-duration load of CONCURRENCY clients (threads, one persistent
HTTP/1.1 connection each). Staff pages are loaded with a real session of the secretariat
account, stored in the bench database as `django.contrib.auth.login` would and sent as a
`Cookie: sessionid=…` header.

Exit status is non-zero when any request failed (non-200 — a staff page redirecting to the
login page counts —, connection error), a page did not render in-process, or a draw benchmark
failed (an error, a record that does not verify, a double booking). Knobs
(environment): BENCH_WORKERS, BENCH_THREADS, BENCH_SECONDS, BENCH_WARMUP_SECONDS,
BENCH_CONCURRENCY, BENCH_USERS, BENCH_EXPERTS, BENCH_DB (database name), DATABASE_CONN_MAX_AGE
(passed through to the production settings, default 60 s; 0 = a new PostgreSQL connection per
request).
"""
import http.client
import io
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import draws as bench_draws  # noqa: E402 (needs ROOT on the path)

DB_NAME = os.environ.get("BENCH_DB", "quorum_bench")
PATHS = ["/healthz", "/", "/bodies/gd-quality/", "/notices/"]  # anonymous
STAFF_PATHS = ["/bodies/gd-quality/applications/", "/bodies/gd-quality/pool/"]  # logged in as STAFF_EMAIL
STAFF_EMAIL = "sec-gd-quality@demo.quorum.cn"
STAFF_BACKEND = "portal.accounts.backends.EmailOrMobileBackend"
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "1.5"))
SCALE_USERS = int(os.environ.get("BENCH_USERS", "2000"))
SCALE_EXPERTS = int(os.environ.get("BENCH_EXPERTS", "20000"))
# 2 cores: one process per core; a few threads each so one request's PostgreSQL round
# trips overlap with another's template rendering. More threads only add GIL contention.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def log(msg):
    print(msg, flush=True)


def bench_database_urls():
    base = os.environ.get("TEST_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/quorum")
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"bench needs PostgreSQL; TEST_DATABASE_URL={base!r}")
    django_url = urlunsplit((parts.scheme, parts.netloc, "/" + DB_NAME, "", ""))
    admin_url = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    return django_url, admin_url


def reset_database(admin_url):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        return conn.execute("SHOW server_version").fetchone()[0]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def load(port, path, seconds, concurrency, headers=None):
    """`concurrency` threads, each with one keep-alive connection, hammering `path` (with extra
    request `headers`, e.g. a session cookie)."""
    request_headers = {"Accept-Encoding": "gzip", **(headers or {})}
    start_barrier = threading.Barrier(concurrency + 1)
    results = []  # one (latencies, errors, error_samples) per thread
    lock = threading.Lock()
    deadline_box = {}

    def client():
        latencies, errors, samples = [], 0, []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start_barrier.wait()
        deadline = deadline_box["t"]
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            try:
                conn.request("GET", path, headers=request_headers)
                resp = conn.getresponse()
                resp.read()
                dt = time.perf_counter() - t0
                if resp.status == 200:
                    latencies.append(dt)
                else:
                    errors += 1
                    if len(samples) < 3:
                        samples.append(f"HTTP {resp.status}")
                if resp.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException) as exc:
                errors += 1
                if len(samples) < 3:
                    samples.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            results.append((latencies, errors, samples))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    cpu0 = time.process_time()
    deadline_box["t"] = time.perf_counter() + seconds
    t_start = time.perf_counter()
    start_barrier.wait()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - t_start
    client_cpu = time.process_time() - cpu0
    latencies = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    samples = [s for r in results for s in r[2]][:5]
    return {
        "ok": len(latencies), "errors": errors, "samples": samples, "elapsed": elapsed,
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000,
        "client_cpu": client_cpu / elapsed if elapsed else 0.0,
    }


def count_queries(paths, user=None):
    """GETs through Django's test Client, anonymous or logged in as `user` (force_login):
    {path: (status, queries cold, queries warm)}."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = {}
    client = Client()
    if user is not None:
        client.force_login(user, backend=STAFF_BACKEND)
    for path in paths:
        counts, status = [], None
        for _ in range(2):  # first hit may fill per-process caches (ContentType, …)
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(path).status_code
            counts.append(len(ctx.captured_queries))
        out[path] = (status, counts[0], counts[1])
    connection.close()
    return out


def staff_session_cookie(user):
    """A session for `user` stored in the bench database, with the keys
    `django.contrib.auth.login` sets; returns the Cookie header value for the load clients."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = STAFF_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def data_summary():
    """Row counts behind the measured pages (one line for the report)."""
    from experts.models import Application, Expert, Notice

    gd = {"body__key": "gd-quality"}
    return (f"{Expert.objects.count()} experts ({Expert.objects.filter(status='active', **gd).count()} active "
            f"in the gd-quality pool), {Application.objects.filter(**gd).exclude(status='draft').count()} "
            f"gd-quality applications in the vetting queue, {Notice.objects.count()} notices")


def wait_for_health(port, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status == 200 and body.strip() == b"ok":
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # gunicorn master: graceful shutdown of its workers
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session, started below
        proc.wait(5)


def main():
    t_total = time.monotonic()
    django_url, admin_url = bench_database_urls()
    tmp = Path(tempfile.mkdtemp(prefix="quorum-bench-"))
    env_overrides = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        # testserver: the in-process query count uses Django's test Client.
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": django_url,
        "STATIC_ROOT": str(tmp / "static"),
        "QUORUM_VAR_DIR": str(tmp / "var"),
        "CELERY_BROKER_URL": "filesystem://",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env_overrides)
    proc = None
    gunicorn_log = tmp / "gunicorn.log"
    failed = False
    try:
        pg_version = reset_database(admin_url)

        import django
        from django.core.management import call_command

        django.setup()
        from django.conf import settings

        t0 = time.monotonic()
        quiet = io.StringIO()
        call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
        t_migrate = time.monotonic() - t0
        t0 = time.monotonic()
        call_command("seed_demo", quiet_accounts=True, stdout=quiet)
        t_seed_demo = time.monotonic() - t0
        t0 = time.monotonic()
        call_command("seed_scale", users=SCALE_USERS, experts=SCALE_EXPERTS, stdout=quiet)
        t_seed = time.monotonic() - t0
        t0 = time.monotonic()
        from django.db import connection

        with connection.cursor() as cursor:  # planner statistics for the bulk-inserted rows, as autovacuum
            cursor.execute("ANALYZE")        # would have them on a live database
        t_analyze = time.monotonic() - t0
        t0 = time.monotonic()
        call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
        t_static = time.monotonic() - t0
        queries = count_queries(PATHS)
        from portal.models import User

        staff_user = User.objects.get(email=STAFF_EMAIL)
        queries.update(count_queries(STAFF_PATHS, user=staff_user))
        staff_cookie = staff_session_cookie(staff_user)
        summary = data_summary()
        connection.close()
        t0 = time.monotonic()
        draw_lines = []  # printed under "Draws" after the page table
        draws_ok = bench_draws.run(draw_lines.append)
        # --- projects: public statistics and project lists with 10k projects (tests/bench/projects.py) ---
        from tests.bench import projects as bench_projects

        draws_ok = bench_projects.run(draw_lines.append) and draws_ok
        # --- councils: ballots one by one and 150 at once, tally and close with 200 seats ---
        from tests.bench import councils as bench_councils

        draws_ok = bench_councils.run(draw_lines.append) and draws_ok
        # --- statistics page and per-expert export on the largest pool (100k after the draws part) ---
        from tests.bench import stats as bench_stats

        draws_ok = bench_stats.run(draw_lines.append) and draws_ok
        t_draws = time.monotonic() - t0

        import gunicorn

        conn_max_age = settings.DATABASES["default"].get("CONN_MAX_AGE")
        log(f"Python {platform.python_version()} | Django {django.get_version()} | "
            f"gunicorn {gunicorn.__version__} | PostgreSQL {pg_version} | {os.cpu_count()} CPUs")
        log(f"Setup: migrate {t_migrate:.1f}s, seed_demo {t_seed_demo:.1f}s, seed_scale ({SCALE_USERS} users, "
            f"{SCALE_EXPERTS} experts) {t_seed:.1f}s, ANALYZE {t_analyze:.1f}s, collectstatic {t_static:.1f}s, "
            f"draws (below) {t_draws:.1f}s; database {DB_NAME}")
        log(f"Data: {summary}")

        port = free_port()
        cmd = [
            str(Path(sys.executable).with_name("gunicorn")), "portal.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
            "--keep-alive", "5", "--log-level", "warning", "--no-control-socket",
            "--chdir", str(ROOT),
        ]
        log(f"Server: gunicorn gthread, {WORKERS} workers x {THREADS} threads "
            f"({WORKERS * THREADS} requests in flight max), keep-alive 5s, no access log; "
            f"settings portal.settings.bench, DEBUG={settings.DEBUG}, CONN_MAX_AGE={conn_max_age}")
        log(f"Load: {CONCURRENCY} concurrent clients (threads, persistent HTTP/1.1 connections), "
            f"{WARMUP_SECONDS:g}s warm-up + {SECONDS:g}s per path, same host")
        with open(gunicorn_log, "wb") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_for_health(port, proc):
            log("gunicorn did not become healthy; its log:")
            log(gunicorn_log.read_text(errors="replace")[-4000:])
            return 2

        rows = []
        plan = [(path, "anon", None) for path in PATHS]
        plan += [(path, "staff", {"Cookie": staff_cookie}) for path in STAFF_PATHS]
        for path, who, headers in plan:
            warm = load(port, path, WARMUP_SECONDS, CONCURRENCY, headers)
            res = load(port, path, SECONDS, CONCURRENCY, headers)
            res["warm_errors"] = warm["errors"]
            res["samples"] = warm["samples"] + res["samples"]
            res["who"] = who
            rows.append((path, res))

        log("")
        header = (f"{'path':<34}{'client':>7}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
                  f"{'errors':>8}{'SQL/page':>14}")
        log(header)
        log("-" * len(header))
        for path, r in rows:
            status, cold, warmq = queries[path]
            sql = f"{warmq}" if cold == warmq else f"{warmq} ({cold} cold)"
            log(f"{path:<34}{r['who']:>7}{r['ok'] + r['errors']:>9}{r['rps']:>9.1f}{r['p50']:>9.1f}"
                f"{r['p95']:>9.1f}{r['errors'] + r['warm_errors']:>8}{sql:>14}")
        log("")
        log("SQL/page: queries of one GET via django.test.Client + CaptureQueriesContext (second request; "
            f"first in parentheses when different); staff pages with force_login as {STAFF_EMAIL}, "
            f"loaded over HTTP with a session of that account.")
        log("Load-generator CPU (share of one core, same machine as the server): "
            + ", ".join(f"{p} {r['client_cpu'] * 100:.0f}%" for p, r in rows))

        for path, (status, _, _) in queries.items():
            if status != 200:
                log(f"FAIL: in-process GET {path} returned {status}")
                failed = True
        for path, r in rows:
            if r["errors"] or r["warm_errors"]:
                log(f"FAIL: {path}: {r['errors'] + r['warm_errors']} failed requests, e.g. {r['samples']}")
                failed = True
        if proc.poll() is not None:
            log(f"FAIL: gunicorn exited early ({proc.returncode})")
            failed = True
        for line in draw_lines:
            log(line)
        if not draws_ok:
            failed = True
        server_log = gunicorn_log.read_text(errors="replace").strip()
        if server_log:
            log("gunicorn log (tail):")
            log(server_log[-2000:])
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"Total {time.monotonic() - t_total:.0f}s. {'FAILED' if failed else 'OK'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
