"""`make run` uses SQLite (no database server on a laptop): the whole demo must load there.
Runs migrate + seed_demo in a subprocess against a fresh SQLite file, as tools/run.sh does,
so a PostgreSQL-only statement anywhere in the demo path fails here rather than for a newcomer."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_and_seed_demo_on_a_fresh_sqlite_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "portal.settings.dev", "MEDIA_ROOT": str(tmp_path / "media"),
           "PYTHONPATH": str(ROOT)}
    for args in (["migrate", "--no-input", "-v0"], ["seed_demo"], ["seed_demo"]):  # twice: idempotent
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "applicant@demo.quorum.cn" in done.stdout
