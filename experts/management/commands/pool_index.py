"""The draw's candidate index (PostgreSQL; experts.draws.index).

    python manage.py pool_index --check     # exit status 1 and a report when it is out of step
    python manage.py pool_index --rebuild   # refill it from the memberships
"""
from django.core.management.base import BaseCommand, CommandError

from experts.draws import index


class Command(BaseCommand):
    help = "Check (--check) or refill (--rebuild) the draw's candidate index (PostgreSQL)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="compare the index with the memberships")
        group.add_argument("--rebuild", action="store_true", help="refill the index from the memberships")

    def handle(self, *args, **options):
        if not index.available():
            self.stdout.write("no candidate index on this database (PostgreSQL only): nothing to do")
            return
        if options["rebuild"]:
            index.rebuild()
            self.stdout.write("rebuilt")
        found = index.drift()
        if found:
            sizes = "; ".join(f"body {b}: stored {s}, actual {a}" for b, s, a in found.sizes)
            raise CommandError(f"out of step: {found.missing} missing, {found.extra} extra index rows"
                               + (f"; member counts: {sizes}" if sizes else ""))
        self.stdout.write("in step")
