from django.core.management.base import BaseCommand, CommandError

from portal import audit


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify [--chain KEY]` re-walks every hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Verify the hash chains.")
        verify.add_argument("--chain", action="append", help="Only this chain (a body key or _site).")

    def handle(self, *args, action=None, chain=None, **options):
        reports = audit.verify(chain)
        bad = [r for r in reports if not r.ok]
        for r in reports:
            if r.ok:
                self.stdout.write(f"ok      {r.chain}: {r.length} events")
            else:
                self.stdout.write(f"BROKEN  {r.chain}: {r.problem} (event id {r.event_id}, position {r.length})")
        if bad:
            raise CommandError(f"{len(bad)} chain(s) broken")
        self.stdout.write(self.style.SUCCESS(f"{len(reports)} chain(s) verified"))
