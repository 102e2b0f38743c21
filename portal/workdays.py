"""Working days (工作日): the one place that knows which day is a working day.

Sources, first match wins:

1. ``CalendarDay`` rows (admin-editable, imported schedules, local corrections);
2. the ``chinese-calendar`` library (the State Council schedules it was released
   with; 1.11 covers 2004–2026 and raises ``NotImplementedError`` for 2027);
3. a *provisional* rule for any other year: Monday–Friday minus the fixed-date
   statutory holidays (元旦 1/1, 劳动节 5/1 (and 5/2 from 2025), 国庆节 10/1–10/3).
   Lunar holidays (春节, 清明, 端午, 中秋) and the make-up working days cannot be
   known in advance, so every day decided by this rule is flagged ``provisional``.
   This rule never raises.

Make-up working days (调休上班, usually a Saturday or Sunday) count as working days;
the library and ``CalendarDay`` rows express them.

A year is *known* (``year_coverage``) when the library covers it ("library") or
``CalendarDay`` holds at least one row with source OFFICIAL or IMPORT for it
("imported"): importing a year's official schedule (``import_schedule``, or entering
its days by hand with source OFFICIAL) makes that year non-provisional. In a known
year a day without a row follows the plain rule (weekdays work, weekends rest, the
fixed statutory dates rest) *without* the provisional flag, because the imported
schedule is taken to list every exception. ``LOCAL`` rows (local corrections) decide
their own day but do not make the rest of the year known.

Counting (Civil Code art. 201): the start day (day of publication) is not counted;
the period ends at 24:00 of its last working day, stored as the next day 00:00
Asia/Shanghai. Bodies may count the start day (``count_start=True``).

Every public function takes explicit inputs. ``CalendarDay`` rows are read once per
call, one query per range of years, never one query per day.
"""
import csv
import io
import math
import os
from calendar import Calendar as _MonthCalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext

from . import audit
from .models import CalendarDay

TZ = ZoneInfo("Asia/Shanghai")

# DayInfo.source values
SOURCE_CALENDAR = "calendar"  # a CalendarDay row decided the day
SOURCE_LIBRARY = "library"  # chinese-calendar decided the day
SOURCE_RULE = "rule"  # plain weekday rule inside a known (imported) year
SOURCE_PROVISIONAL = "provisional"  # fallback rule for an unknown year

# year_coverage values
COVERAGE_LIBRARY = "library"
COVERAGE_IMPORTED = "imported"
COVERAGE_PROVISIONAL = "provisional"

KNOWN_SOURCES = (CalendarDay.Source.OFFICIAL, CalendarDay.Source.IMPORT)

HOLIDAY_NAMES = {
    "New Year's Day": gettext_lazy("元旦"),
    "Spring Festival": gettext_lazy("春节"),
    "Tomb-sweeping Day": gettext_lazy("清明节"),
    "Labour Day": gettext_lazy("劳动节"),
    "Dragon Boat Festival": gettext_lazy("端午节"),
    "National Day": gettext_lazy("国庆节"),
    "Mid-autumn Festival": gettext_lazy("中秋节"),
    "Anti-Fascist 70th Day": gettext_lazy("抗战胜利70周年纪念日"),
}


def _fixed_holidays(year):
    """Fixed-date statutory holidays (全国年节及纪念日放假办法) as {(month, day): name}.
    Labour Day is 5/1–5/3 until 2007, 5/1 from 2008 and 5/1–5/2 from 2025 (2024 revision)."""
    days = {(1, 1): "New Year's Day", (10, 1): "National Day", (10, 2): "National Day", (10, 3): "National Day"}
    labour = 3 if year < 2008 else (1 if year < 2025 else 2)
    for i in range(1, labour + 1):
        days[(5, i)] = "Labour Day"
    return days


@dataclass(frozen=True)
class DayInfo:
    date: date
    is_workday: bool
    provisional: bool
    source: str
    note: str = ""

    @property
    def is_weekend(self):
        return self.date.weekday() >= 5

    @property
    def is_makeup_workday(self):
        """调休上班: a Saturday or Sunday that is a working day."""
        return self.is_workday and self.is_weekend

    @property
    def is_holiday(self):
        """A rest day falling Monday–Friday (statutory holiday or 调休 rest day)."""
        return not self.is_workday and not self.is_weekend


@dataclass(frozen=True)
class WorkdayResult:
    end: date
    provisional: bool


@dataclass(frozen=True)
class DeadlineResult:
    end_date: date
    end_at: datetime  # aware: the next day 00:00 Asia/Shanghai, i.e. 24:00 of end_date
    provisional: bool


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    years: list = field(default_factory=list)
    unchanged: int = 0


class ScheduleImportError(ValidationError):
    """An uploaded schedule has bad rows. `problems` is a list of (row, message);
    `messages` the same as readable strings. Nothing was written."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__([self._line(row, msg) for row, msg in self.problems])

    @staticmethod
    def _line(row, msg):
        if row is None or row == "":
            return str(msg)
        if isinstance(row, int):
            return _("第 %(row)s 行：%(problem)s") % {"row": row, "problem": msg}
        return _("%(where)s：%(problem)s") % {"where": row, "problem": msg}


# ---------------------------------------------------------------------------
# Lookup (one instance per public call)


def _library_covers(year):
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class _Lookup:
    """Caches CalendarDay rows per year, loading a whole range of years per query."""

    def __init__(self):
        self.rows = {}  # date -> CalendarDay
        self.years = set()  # years loaded
        self.known_years = set()  # years with OFFICIAL/IMPORT rows
        self._library = {}

    def load(self, first_year, last_year):
        missing = [y for y in range(first_year, last_year + 1) if y not in self.years]
        if not missing:
            return
        lo, hi = min(missing), max(missing)
        for row in CalendarDay.objects.filter(date__gte=date(lo, 1, 1), date__lte=date(hi, 12, 31)):
            self.rows[row.date] = row
            if row.source in KNOWN_SOURCES:
                self.known_years.add(row.date.year)
        self.years.update(range(lo, hi + 1))

    def library_covers(self, year):
        if year not in self._library:
            self._library[year] = _library_covers(year)
        return self._library[year]

    def coverage(self, year):
        if self.library_covers(year):
            return COVERAGE_LIBRARY
        self.load(year, year)
        return COVERAGE_IMPORTED if year in self.known_years else COVERAGE_PROVISIONAL

    def day(self, d):
        self.load(d.year, d.year)
        row = self.rows.get(d)
        if row is not None:
            return DayInfo(d, row.is_workday, False, SOURCE_CALENDAR, row.note)
        if self.library_covers(d.year):
            try:
                workday = chinese_calendar.is_workday(d)
                _is_holiday, name = chinese_calendar.get_holiday_detail(d)
            except NotImplementedError:  # pragma: no cover - library_covers said yes
                pass
            else:
                note = str(HOLIDAY_NAMES.get(name, name)) if name else ""
                if workday and d.weekday() >= 5:
                    note = (_("%(holiday)s调休上班") % {"holiday": note}) if note else _("调休上班")
                return DayInfo(d, workday, False, SOURCE_LIBRARY, note)
        name = _fixed_holidays(d.year).get((d.month, d.day))
        known = d.year in self.known_years
        source = SOURCE_RULE if known else SOURCE_PROVISIONAL
        if name:
            return DayInfo(d, False, not known, source, str(HOLIDAY_NAMES[name]))
        return DayInfo(d, d.weekday() < 5, not known, source, "")


def _check_date(d, name="date"):
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{name} must be a datetime.date, got {type(d).__name__}")


def _check_n(n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"n must be a whole number of working days (≥ 1), got {n!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1 working day, got {n}")


# ---------------------------------------------------------------------------
# Public API


def is_workday(d):
    return day_info(d).is_workday


def day_info(d):
    _check_date(d)
    return _Lookup().day(d)


def year_coverage(year):
    """"library" (chinese-calendar knows it), "imported" (CalendarDay has OFFICIAL or
    IMPORT rows for it) or "provisional" (fallback rule)."""
    return _Lookup().coverage(year)


def add_workdays(start, n, count_start=False):
    """The n-th working day after `start`. By default `start` is not counted (Civil Code
    art. 201); with `count_start=True` a working `start` is day 1. `provisional` is True
    when any day consulted was decided by the provisional rule."""
    _check_date(start, "start")
    _check_n(n)
    lookup = _Lookup()
    # one query for the likely range; more only if the walk goes past it
    lookup.load(start.year, (start + timedelta(days=n * 2 + 40)).year)
    provisional = False
    count = 0
    d = start
    if count_start:
        info = lookup.day(start)
        provisional = info.provisional
        if info.is_workday:
            count = 1
    while count < n:
        d += timedelta(days=1)
        if d.year not in lookup.years:
            lookup.load(d.year, d.year + 1)
        info = lookup.day(d)
        provisional = provisional or info.provisional
        if info.is_workday:
            count += 1
    return WorkdayResult(end=d, provisional=provisional)


def deadline_end(start, n, count_start=False):
    """A period of `n` working days from `start`: it ends at 24:00 of its last working
    day, i.e. `end_at` is the next day 00:00 Asia/Shanghai."""
    result = add_workdays(start, n, count_start=count_start)
    end_at = datetime.combine(result.end + timedelta(days=1), time(0), tzinfo=TZ)
    return DeadlineResult(end_date=result.end, end_at=end_at, provisional=result.provisional)


def format_deadline(result):
    """'2026年10月13日 24:00' (zh-hans), '13 Oct 2026, 24:00' (en). Accepts a
    DeadlineResult, a WorkdayResult or a date (the last day of the period)."""
    d = getattr(result, "end_date", None) or getattr(result, "end", None) or result
    month = [
        pgettext("month abbreviation", "1月"), pgettext("month abbreviation", "2月"),
        pgettext("month abbreviation", "3月"), pgettext("month abbreviation", "4月"),
        pgettext("month abbreviation", "5月"), pgettext("month abbreviation", "6月"),
        pgettext("month abbreviation", "7月"), pgettext("month abbreviation", "8月"),
        pgettext("month abbreviation", "9月"), pgettext("month abbreviation", "10月"),
        pgettext("month abbreviation", "11月"), pgettext("month abbreviation", "12月"),
    ][d.month - 1]
    # Translators: English "%(day)d %(month)s %(year)d, 24:00" -> "13 Oct 2026, 24:00"
    return _("%(year)d年%(month)s%(day)d日 24:00") % {"year": d.year, "month": month, "day": d.day}


def workdays_between(a, b):
    """Working days in the half-open interval (a, b]: `a` is not counted, `b` is.
    So `workdays_between(start, add_workdays(start, n).end) == n`. Returns 0 when
    a == b and the negated count of (b, a] when b < a."""
    _check_date(a, "a")
    _check_date(b, "b")
    if b < a:
        return -workdays_between(b, a)
    lookup = _Lookup()
    lookup.load(a.year, b.year)
    count = 0
    d = a + timedelta(days=1)
    while d <= b:
        if lookup.day(d).is_workday:
            count += 1
        d += timedelta(days=1)
    return count


def month_grid(year, month):
    """Weeks (Monday first) of DayInfo covering the month, including the neighbouring
    months' days that fill the first and last week (check `info.date.month`)."""
    weeks = _MonthCalendar(firstweekday=0).monthdatescalendar(year, month)
    lookup = _Lookup()
    lookup.load(weeks[0][0].year, weeks[-1][-1].year)
    return [[lookup.day(d) for d in week] for week in weeks]


def month_summary(year, month):
    """What the calendar page needs besides the grid: the grid, the coverage of the
    month's year and whether any day of the month is provisional."""
    grid = month_grid(year, month)
    provisional = any(info.provisional for week in grid for info in week if info.date.month == month)
    return {"weeks": grid, "coverage": year_coverage(year), "provisional": provisional}


# ---------------------------------------------------------------------------
# Notices to site admins


def warn_missing_schedule(*, now):
    """From 1 November, if next year's schedule is unknown (provisional), notify every
    active superuser once per year. Returns the number of users notified now."""
    from . import notify
    from .models import User

    local = timezone.localtime(now, TZ) if isinstance(now, datetime) and timezone.is_aware(now) else now
    if local.month < 11:
        return 0
    year = local.year + 1
    if year_coverage(year) != COVERAGE_PROVISIONAL:
        return 0
    users = list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk"))
    url = reverse("calendar-month")
    notified = 0
    by_language = {}
    for user in users:
        by_language.setdefault(user.preferred_language or "zh-hans", []).append(user)
    for language, group in sorted(by_language.items()):
        with translation.override(language):
            subject = notify.fmt(gettext_lazy("%(year)s 年节假日安排尚未导入"), year=year)
            text = notify.fmt(gettext_lazy("系统尚无 %(year)s 年的法定节假日和调休安排。在导入国务院办公厅公布的安排之前，"
                "%(year)s 年的工作日按周一至周五扣除元旦、劳动节、国庆节的固定日期计算，"
                "相关期限均标记为“暂定”。请在工作日历页面导入官方安排（CSV 或 ICS 文件）。"), year=year)
        notified += len(notify.later(group, "calendar_missing_schedule", None, subject=subject, text=text,
                                     url=url, dedupe_key=f"calendar-{year}"))
    return notified


# ---------------------------------------------------------------------------
# Editing the calendar

TRUE_WORDS = {"1", "true", "yes", "y", "t", "是", "工作日", "上班", "班"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "否", "休息日", "休息", "休", "假"}
WORK_KEYWORDS = ("补班", "上班", "班", "workday", "working day")
REST_KEYWORDS = ("休", "假", "holiday")
MAX_EVENT_DAYS = 366


def _require_site_admin(actor, message):
    if actor is not None and not (getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False)):
        raise PermissionDenied(message)


def _row_dict(row):
    if row is None:
        return None
    return {"is_workday": row.is_workday, "note": row.note, "source": row.source}


def set_day(day, is_workday, note, *, actor, source=CalendarDay.Source.LOCAL):
    """Mark one day as a working or rest day (site admins only). `source` OFFICIAL
    records that the day comes from the State Council schedule (the year then counts
    as known); LOCAL is a local correction. Audited "calendar.set_day" with before/after."""
    if actor is None or not (getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False)):
        raise PermissionDenied(_("只有站点管理员可以修改工作日历。"))
    _check_date(day, "date")
    source = CalendarDay.Source(source)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError(_("说明最多 200 个字符。"), code="note_too_long")
    with transaction.atomic():
        before_info = day_info(day)
        row = CalendarDay.objects.select_for_update().filter(date=day).first()
        before = _row_dict(row)
        if row is None:
            row = CalendarDay(date=day)
        row.is_workday = bool(is_workday)
        row.note = note
        row.source = source
        row.updated_by = actor
        row.save()
        audit.record(actor, "calendar.set_day", row, data={
            "date": day.isoformat(),
            "before": before,
            "before_effective": {"is_workday": before_info.is_workday, "source": before_info.source,
                                 "provisional": before_info.provisional},
            "after": _row_dict(row),
        })
    return row


def _read_text(fileobj_or_path):
    """Return (text, filename) from a path or a file-like object (bytes or text)."""
    if isinstance(fileobj_or_path, (str, os.PathLike)):
        path = Path(fileobj_or_path)
        data, name = path.read_bytes(), path.name
    else:
        if hasattr(fileobj_or_path, "seek"):
            try:
                fileobj_or_path.seek(0)
            except (OSError, ValueError):
                pass
        data = fileobj_or_path.read()
        name = os.path.basename(getattr(fileobj_or_path, "name", "") or "")
    if isinstance(data, str):
        return data.lstrip("\ufeff"), name
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), name
        except UnicodeDecodeError:
            continue
    raise ScheduleImportError([(None, _("文件编码无法识别，请使用 UTF-8 编码。"))])


def _guess_format(text, name, fmt):
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt in ("ics", "ical", "ifb", "icalendar"):
            return "ics"
        if fmt == "csv":
            return "csv"
        raise ScheduleImportError([(None, _("不支持的文件格式“%(fmt)s”，请使用 CSV 或 ICS。") % {"fmt": fmt})])
    suffix = Path(name).suffix.lower()
    if suffix in (".ics", ".ical", ".ifb"):
        return "ics"
    if suffix == ".csv":
        return "csv"
    return "ics" if text.lstrip().upper().startswith("BEGIN:VCALENDAR") else "csv"


def _parse_bool(value):
    v = (value or "").strip().lower()
    if v in TRUE_WORDS:
        return True
    if v in FALSE_WORDS:
        return False
    return None


def _parse_date(value):
    v = (value or "").strip()
    for sep in ("-", "/", "."):
        parts = v.split(sep)
        if len(parts) == 3 and all(p.strip().isdigit() for p in parts) and len(parts[0].strip()) == 4:
            try:
                return date(*(int(p) for p in parts))
            except ValueError:
                return None
    return None


def _parse_csv(text):
    entries, problems = [], []
    reader = csv.reader(io.StringIO(text))
    header = None
    for line_no, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            missing = [c for c in ("date", "is_workday") if c not in header]
            if missing:
                problems.append((line_no, _("表头须包含 date,is_workday,note 三列，缺少：%(cols)s") % {
                    "cols": ", ".join(missing)}))
                return entries, problems
            continue
        row = dict(zip(header, (c.strip() for c in cells)))
        d = _parse_date(row.get("date"))
        work = _parse_bool(row.get("is_workday"))
        note = row.get("note", "") or ""
        row_problems = []
        if d is None:
            row_problems.append(_("日期“%(value)s”无效，应为 YYYY-MM-DD") % {"value": row.get("date", "")})
        if work is None:
            row_problems.append(_("is_workday 的值“%(value)s”无效，应为 1/0、true/false、是/否、工作日/休息日") % {
                "value": row.get("is_workday", "")})
        if len(note) > 200:
            row_problems.append(_("说明超过 200 个字符"))
        if len(cells) > len(header):
            row_problems.append(_("列数多于表头"))
        if row_problems:
            problems.append((line_no, "；".join(row_problems)))
        else:
            entries.append((line_no, d, work, note))
    if header is None:
        problems.append((None, _("文件为空。")))
    elif not entries and not problems:
        problems.append((None, _("文件中没有数据行。")))
    return entries, problems


def _as_date(value):
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TZ)
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _parse_ics(text):
    import icalendar

    entries, problems = [], []
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and friends
        return entries, [(None, _("无法解析 ICS 文件：%(error)s") % {"error": exc})]
    events = list(cal.walk("VEVENT"))
    if not events:
        return entries, [(None, _("ICS 文件中没有事件（VEVENT）。"))]
    for index, event in enumerate(events, start=1):
        summary = str(event.get("SUMMARY", "") or "").strip()
        label = _("事件 %(n)s（%(summary)s）") % {"n": index, "summary": summary or "—"}
        lowered = summary.lower()
        if any(k in lowered for k in WORK_KEYWORDS):
            work = True
        elif any(k in lowered for k in REST_KEYWORDS):
            work = False
        else:
            problems.append((label, _("标题中没有“休/假/holiday”或“班/上班/补班/workday”，无法判断是休息日还是工作日")))
            continue
        if event.get("RRULE") is not None:
            problems.append((label, _("不支持重复事件（RRULE）")))
            continue
        start_prop = event.get("DTSTART")
        start = _as_date(start_prop.dt) if start_prop is not None else None
        if start is None:
            problems.append((label, _("缺少开始日期（DTSTART）")))
            continue
        end_prop = event.get("DTEND")
        if end_prop is not None:
            end = _as_date(end_prop.dt)
        elif event.get("DURATION") is not None:
            seconds = event.get("DURATION").dt.total_seconds()
            end = start + timedelta(days=max(1, math.ceil(seconds / 86400)))
        else:
            end = start + timedelta(days=1)
        if end is None or end <= start:
            problems.append((label, _("结束日期（DTEND）须晚于开始日期")))
            continue
        if (end - start).days > MAX_EVENT_DAYS:
            problems.append((label, _("事件跨度超过一年")))
            continue
        d = start
        while d < end:
            entries.append((label, d, work, summary[:200]))
            d += timedelta(days=1)
    return entries, problems


def import_schedule(fileobj_or_path, *, actor, fmt=None):
    """Import an official schedule (CSV `date,is_workday,note` with a header, or an
    iCalendar file) into CalendarDay rows with source IMPORT. All rows are checked
    first: any bad row raises ScheduleImportError listing every problem and nothing is
    written. Importing a year makes it known (non-provisional). `actor` None means the
    system (management command); a user must be a site admin."""
    _require_site_admin(actor, _("只有站点管理员可以导入节假日安排。"))
    text, name = _read_text(fileobj_or_path)
    kind = _guess_format(text, name, fmt)
    entries, problems = (_parse_ics if kind == "ics" else _parse_csv)(text)
    seen = {}
    for row, d, work, note in entries:
        if d in seen and seen[d][1] != work:
            problems.append((row, _("日期 %(date)s 与第 %(other)s 行矛盾（一处为工作日，一处为休息日）") % {
                "date": d.isoformat(), "other": seen[d][0]}))
        elif d not in seen:
            seen[d] = (row, work, note)
    if problems:
        raise ScheduleImportError(problems)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {r.date: r for r in CalendarDay.objects.select_for_update().filter(date__in=list(seen))}
        user = actor if getattr(actor, "is_authenticated", False) else None
        new_rows, changed = [], []
        for d, (_row, work, note) in sorted(seen.items()):
            row = existing.get(d)
            if row is None:
                new_rows.append(CalendarDay(date=d, is_workday=work, note=note, source=CalendarDay.Source.IMPORT,
                                            updated_by=user))
            elif (row.is_workday, row.note, row.source) == (work, note, CalendarDay.Source.IMPORT):
                unchanged += 1
            else:
                row.is_workday, row.note, row.source, row.updated_by = work, note, CalendarDay.Source.IMPORT, user
                changed.append(row)
        CalendarDay.objects.bulk_create(new_rows)
        if changed:
            for row in changed:  # auto_now is not applied by bulk_update
                row.updated_at = timezone.now()
            CalendarDay.objects.bulk_update(changed, ["is_workday", "note", "source", "updated_by", "updated_at"])
        created, updated = len(new_rows), len(changed)
        years = sorted({d.year for d in seen})
        audit.record(actor, "calendar.import", None, body=None, data={
            "format": kind, "file": name, "created": created, "updated": updated, "unchanged": unchanged,
            "years": years, "first": min(seen).isoformat(), "last": max(seen).isoformat(),
        })
    return ImportResult(created=created, updated=updated, years=years, unchanged=unchanged)

