"""Working-day calendar tools (see portal.workdays).

    manage.py workdays add 2026-09-30 1 [--body KEY] [--count-start | --no-count-start]
    manage.py workdays import schedule-2027.csv [--format csv|ics]
    manage.py workdays show 2027-01
"""
import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portal import workdays


def _parse_date(value):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"invalid date {value!r}: expected YYYY-MM-DD, e.g. 2026-09-30") from None


def _parse_month(value):
    try:
        year, month = (int(p) for p in value.split("-"))
        date(year, month, 1)
    except (TypeError, ValueError):
        raise CommandError(f"invalid month {value!r}: expected YYYY-MM, e.g. 2027-01") from None
    return year, month


class Command(BaseCommand):
    help = ("Working days. `add DATE N` prints the N-th working day after DATE (ISO date, "
            "'provisional' when a day was guessed, and the end as an aware datetime, on one line); "
            "`import FILE` loads an official schedule (CSV date,is_workday,note or ICS); "
            "`show YYYY-MM` prints a month.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="The N-th working day after a date; the period ends at 24:00 of it.")
        add.add_argument("start", help="Start date (YYYY-MM-DD), e.g. the day of publication.")
        add.add_argument("n", help="Number of working days (≥ 1).")
        add.add_argument("--body", help="Take count_start from this body's policy (count_publication_day).")
        add.add_argument("--count-start", action=argparse.BooleanOptionalAction, default=None,
                         help="Count the start day as day 1 if it is a working day (overrides --body).")
        imp = sub.add_parser("import", help="Import an official schedule into CalendarDay (source=import).")
        imp.add_argument("file", help="Path to a .csv (date,is_workday,note) or .ics file.")
        imp.add_argument("--format", dest="fmt", choices=["csv", "ics"], help="Default: from the file name.")
        show = sub.add_parser("show", help="Print one month.")
        show.add_argument("month", help="YYYY-MM")

    def handle(self, *args, action=None, **options):
        return getattr(self, f"handle_{action}")(**options)

    # -- add -------------------------------------------------------------
    def handle_add(self, start, n, body=None, count_start=None, **options):
        start = _parse_date(start)
        try:
            n = int(n)
        except (TypeError, ValueError):
            raise CommandError(f"invalid number of working days {n!r}: expected a whole number ≥ 1") from None
        if n < 1:
            raise CommandError(f"number of working days must be at least 1, got {n}")
        if body is not None:
            policy_count_start = self._body_count_start(body)
            if count_start is None:
                count_start = policy_count_start
        result = workdays.deadline_end(start, n, count_start=bool(count_start))
        parts = [result.end_date.isoformat()]
        if result.provisional:
            parts.append("provisional")
        parts.append(result.end_at.isoformat())
        self.stdout.write(" ".join(parts))

    def _body_count_start(self, key):
        from portal.models import Body, Policy

        b = Body.objects.filter(key=key).first()
        if b is None:
            known = ", ".join(Body.objects.order_by("key").values_list("key", flat=True)) or "none"
            raise CommandError(f"unknown body key {key!r} (known: {known})")
        try:
            return b.policy.count_publication_day
        except Policy.DoesNotExist:
            default = Policy._meta.get_field("count_publication_day").default
            self.stderr.write(f"body {key!r} has no policy; using the default count_publication_day={default}")
            return default

    # -- import ----------------------------------------------------------
    def handle_import(self, file, fmt=None, **options):
        try:
            result = workdays.import_schedule(file, actor=None, fmt=fmt)
        except FileNotFoundError:
            raise CommandError(f"file not found: {file}") from None
        except workdays.ScheduleImportError as exc:
            raise CommandError("schedule not imported, nothing written:\n  " + "\n  ".join(exc.messages)) from None
        years = ", ".join(str(y) for y in result.years)
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged} (years: {years})")
        for year in result.years:
            self.stdout.write(f"{year}: {workdays.year_coverage(year)}")

    # -- show ------------------------------------------------------------
    def handle_show(self, month, **options):
        year, mon = _parse_month(month)
        summary = workdays.month_summary(year, mon)
        self.stdout.write(f"{year}-{mon:02d}  coverage: {summary['coverage']}"
                          + ("  (PROVISIONAL: official schedule not imported)" if summary["provisional"] else ""))
        self.stdout.write("  Mo    Tu    We    Th    Fr    Sa    Su")
        notes = []
        for week in summary["weeks"]:
            cells = []
            for info in week:
                if info.date.month != mon:
                    cells.append("    ")
                    continue
                if info.is_makeup_workday:
                    mark = "W"
                elif info.is_holiday:
                    mark = "H"
                else:
                    mark = " " if info.is_workday else "."
                cells.append(f"{info.date.day:>2}{mark}{'?' if info.provisional else ' '}")
                overridden = info.source == workdays.SOURCE_CALENDAR
                if info.note or overridden:
                    kind = "work" if info.is_workday else "rest"
                    notes.append(f"{info.date.isoformat()} {kind}{' [calendar]' if overridden else ''} {info.note}".rstrip())
            self.stdout.write("  " + "  ".join(cells).rstrip())
        self.stdout.write("legend: H holiday (weekday rest), W make-up working day, . weekend, ? provisional")
        for line in notes:
            self.stdout.write(line)
        workdays_in_month = sum(1 for w in summary["weeks"] for i in w if i.date.month == mon and i.is_workday)
        self.stdout.write(f"working days: {workdays_in_month}")
