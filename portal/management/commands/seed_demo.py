from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, account_lines, seed_demo


class Command(BaseCommand):
    help = "Create the five seed bodies with their policies and the demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--reset-policy", action="store_true",
                            help="Restore every seed body's policy values to the seeds' values.")
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, reset_policy=False, quiet_accounts=False, **options):
        seed_demo(reset_policy=reset_policy)
        self.stdout.write(self.style.SUCCESS("Demo data ready: 5 bodies (jm-storage, gd-quality, xx-random, "
                                             "cz-nev, jx-base)."))
        if not quiet_accounts:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for line in account_lines():
                self.stdout.write(line)
