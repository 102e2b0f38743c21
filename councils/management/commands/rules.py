"""`manage.py rules quorum|vote`: the verdict of the body's quorum or voting rule for given
counts — the same functions the meeting page and the services use (councils.rules).

    manage.py rules quorum --body jx-base --members 20 --present 14 --role vice_chair=2
    manage.py rules vote --body jx-base --type major --members 25 --present 18 --yes 17
"""
from django.core.management.base import BaseCommand, CommandError

from portal.models import Body

from ... import rules


def _role(value):
    try:
        role, count = value.split("=", 1)
        return role.strip(), int(count)
    except ValueError:
        raise CommandError(f"--role expects ROLE=COUNT, e.g. vice_chair=3 (got {value!r})") from None


class Command(BaseCommand):
    help = "Print the quorum or vote verdict of a body's rules for the given counts."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        q = sub.add_parser("quorum", help="Is a meeting quorate?")
        q.add_argument("--body", required=True)
        q.add_argument("--members", type=int, required=True)
        q.add_argument("--present", type=int, required=True)
        q.add_argument("--role", action="append", default=[], type=_role,
                       help="seats of a role present, e.g. vice_chair=3 (repeatable)")
        v = sub.add_parser("vote", help="Does a motion pass?")
        v.add_argument("--body", required=True)
        v.add_argument("--type", dest="kind", choices=list(rules.KINDS), default="ordinary")
        v.add_argument("--members", type=int, required=True)
        v.add_argument("--present", type=int, required=True)
        v.add_argument("--yes", type=int, required=True)
        v.add_argument("--written", action="store_true", help="a written/online vote (base: all members)")

    def handle(self, *args, **opts):
        body = Body.objects.select_related("policy").filter(key=opts["body"]).first()
        if body is None:
            raise CommandError(f"unknown body {opts['body']!r}")
        members, present = opts["members"], opts["present"]
        if members < 0 or not 0 <= present <= members:
            raise CommandError("need 0 <= --present <= --members")
        policy = body.policy
        if opts["what"] == "quorum":
            rule = rules.quorum_rule(policy)
            verdict = rules.quorum(rule, members, present, dict(opts["role"]))
            self.stdout.write(f"{verdict.keyword}: present {present} of {members}, needs {verdict.needed} "
                              f"(>= {rule['num']}/{rule['den']})")
            for part in verdict.parts[1:]:
                word = "ok" if part.ok else "missing"
                self.stdout.write(f"  {part.label} >= {part.needed}: {part.have} present — {word}")
        else:
            yes = opts["yes"]
            rule = rules.motion_rule(policy, opts["kind"], written=opts["written"])
            base = rules.vote_base(rule, members, present)
            if not 0 <= yes <= base:
                raise CommandError(f"need 0 <= --yes <= {base} (the base: {rule['base']})")
            verdict = rules.vote(rule, base, yes)
            base_word = "all members" if rule["base"] == rules.BASE_ALL else "present"
            self.stdout.write(f"{verdict.keyword}: {yes} yes of {base} {base_word}, needs {verdict.needed} "
                              f"(>= {rule['num']}/{rule['den']})")
        self.stdout.write(verdict.summary())
        return None
