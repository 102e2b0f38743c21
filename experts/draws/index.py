"""The draw's candidate index on PostgreSQL (experts.models.PoolEntry, PoolSize), written by the
triggers of migration 0009: `drift()` compares it with the memberships it derives from and
`rebuild()` refills it (after a restore of some tables only, or if a check ever finds drift).
`manage.py pool_index --check | --rebuild` calls them; the nightly beat task `experts.check-pool-index`
checks and repairs, and logs what it found. Elsewhere (SQLite) there is no index to keep."""
import logging
from dataclasses import dataclass

from django.db import connection, transaction

log = logging.getLogger(__name__)

EXPECTED_ENTRIES = """
SELECT e.id, l.expertfield_id, e.profile_id, e.title_level, e.region, e.employer_type
  FROM experts_expert e JOIN experts_expert_fields l ON l.expert_id = e.id WHERE e.status = 'active'"""
STORED_ENTRIES = """
SELECT expert_id, field_id, profile_id, title_level, region, employer_type FROM experts_poolentry"""
EXPECTED_SIZES = "SELECT body_id, count(*) FROM experts_expert WHERE status = 'active' GROUP BY body_id"
STORED_SIZES = "SELECT body_id, active FROM experts_poolsize WHERE active <> 0"


@dataclass(frozen=True)
class Drift:
    missing: int = 0  # index rows a membership calls for that are absent (or differ)
    extra: int = 0  # index rows no active membership calls for (or stale)
    sizes: tuple = ()  # (body id, stored, actual) for every body whose count is off

    def __bool__(self):
        return bool(self.missing or self.extra or self.sizes)


def available():
    return connection.vendor == "postgresql"


def drift():
    """How far the index is from the memberships (Drift(), false when in step). Four statements."""
    if not available():
        return Drift()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({EXPECTED_ENTRIES} EXCEPT {STORED_ENTRIES}) AS d")
        missing = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM ({STORED_ENTRIES} EXCEPT {EXPECTED_ENTRIES}) AS d")
        extra = cursor.fetchone()[0]
        cursor.execute(EXPECTED_SIZES)
        actual = dict(cursor.fetchall())
        cursor.execute(STORED_SIZES)
        stored = dict(cursor.fetchall())
    sizes = tuple((body, stored.get(body, 0), actual.get(body, 0)) for body in sorted({*actual, *stored})
                  if stored.get(body, 0) != actual.get(body, 0))
    return Drift(missing, extra, sizes)


def rebuild():
    """Refill the index from the memberships in one transaction (the memberships and their links
    are locked against writes meanwhile, so that nothing slips between the read and the fill)."""
    if not available():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE experts_expert, experts_expert_fields IN SHARE MODE")
        cursor.execute("DELETE FROM experts_poolentry")
        cursor.execute("DELETE FROM experts_poolsize")
        cursor.execute("INSERT INTO experts_poolentry (expert_id, field_id, profile_id, title_level, region, "
                       f"employer_type) {EXPECTED_ENTRIES}")
        cursor.execute(f"INSERT INTO experts_poolsize (body_id, active) {EXPECTED_SIZES}")


def check_and_repair():
    """The nightly check: rebuild when the index drifted; returns the drift found."""
    found = drift()
    if found:
        log.error("draw candidate index out of step (%s); rebuilding", found)
        rebuild()
    return found
