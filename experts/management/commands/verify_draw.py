"""Re-run a draw from its record and check it.

    python manage.py verify_draw record.json     # prints the selected ids and OK, or fails
    python manage.py verify_draw --all           # re-checks every drawn random draw in the database
"""
import json

from django.core.management.base import BaseCommand, CommandError

from experts.draws.fairness import verify_record
from experts.draws.record import REVEALED, build_record
from experts.models import Draw


class Command(BaseCommand):
    help = "Verify a draw record (JSON file) or, with --all, every drawn draw in the database."

    def add_arguments(self, parser):
        parser.add_argument("record", nargs="?", help="path of a record.json")
        parser.add_argument("--all", action="store_true", help="re-check every drawn random draw")

    def handle(self, *args, **options):
        if options["all"]:
            return self._all()
        if not options["record"]:
            raise CommandError("give a record.json path or --all")
        try:
            with open(options["record"], encoding="utf-8") as fh:
                record = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['record']}: {exc}") from exc
        result = verify_record(record)
        if not result.ok:
            raise CommandError(f"MISMATCH {result.problem}")
        self.stdout.write("selected: " + " ".join(str(i) for i in result.selected_ids))
        self.stdout.write("OK")

    def _all(self):
        draws = (Draw.objects.filter(mode=Draw.Mode.RANDOM, status__in=REVEALED)
                 .exclude(seed="").select_related("body", "operator", "supervisor", "entropy_by").order_by("pk"))
        verified, failed = 0, []
        for draw in draws.iterator(chunk_size=200):
            result = verify_record(build_record(draw, public=True))
            if result.ok:
                verified += 1
            else:
                failed.append(f"{draw.number} (#{draw.pk}): {result.problem}")
        for line in failed:
            self.stderr.write(f"MISMATCH {line}")
        self.stdout.write(f"{verified} verified, {len(failed)} failed")
        if failed:
            raise CommandError(f"{len(failed)} draw(s) failed verification")
