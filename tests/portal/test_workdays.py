"""Working days: library data, overrides, the provisional fallback, counting rules,
imports, the management command and the calendar page."""
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from portal import workdays
from portal.models import AuditEvent, Body, CalendarDay, Notification, Policy, Role, User

SH = ZoneInfo("Asia/Shanghai")
D = date.fromisoformat

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(email="root@example.cn", password="pw-Quorum-123", name="管理员")


@pytest.fixture
def plain_user(db):
    return User.objects.create_user(email="plain@example.cn", password="pw-Quorum-123", name="普通用户")


@pytest.fixture
def staff_user(db):
    from portal.roles import grant_role

    body = Body.objects.create(key="cal-body", name_zh="日历测试机构", kind=Body.Kind.EXPERT_COMMITTEE)
    Policy.objects.create(body=body)
    user = User.objects.create_user(email="staff@example.cn", password="pw-Quorum-123", name="秘书处")
    grant_role(user, body, Role.SECRETARIAT, actor=None)
    return user


def csv_file(text, name="schedule.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


ICS_2027 = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//quorum//CN
BEGIN:VEVENT
UID:1@test
DTSTART;VALUE=DATE:20270101
DTEND;VALUE=DATE:20270102
SUMMARY:元旦 休
END:VEVENT
BEGIN:VEVENT
UID:2@test
DTSTART;VALUE=DATE:20270206
DTEND;VALUE=DATE:20270214
SUMMARY:春节放假
END:VEVENT
BEGIN:VEVENT
UID:3@test
DTSTART;VALUE=DATE:20270214
DTEND;VALUE=DATE:20270215
SUMMARY:春节调休上班
END:VEVENT
END:VCALENDAR
"""


# --------------------------------------------------------------------------- library data


def test_library_data_assumptions_hold():
    """The boundary tests below rely on chinese-calendar's 2026 data."""
    assert [d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() == 5] == [
        D("2026-02-14"), D("2026-02-28"), D("2026-05-09"), D("2026-10-10")]
    assert all(not chinese_calendar.is_workday(D("2026-10-01") + timedelta(i)) for i in range(7))
    assert chinese_calendar.is_workday(D("2026-10-08"))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D("2027-01-04"))


def test_national_day_week_is_skipped():
    # 2026-10-01..07 are the National Day holiday; Thursday 10-08 is the first working day.
    assert workdays.add_workdays(D("2026-09-30"), 1) == workdays.WorkdayResult(D("2026-10-08"), False)
    assert workdays.add_workdays(D("2026-09-30"), 2).end == D("2026-10-09")


def test_day_info_names_the_holiday():
    info = workdays.day_info(D("2026-10-01"))
    assert (info.is_workday, info.provisional, info.source) == (False, False, workdays.SOURCE_LIBRARY)
    assert info.is_holiday
    with translation.override("zh-hans"):
        assert workdays.day_info(D("2026-10-01")).note == "国庆节"


def test_makeup_saturday_counts_as_working_day():
    # Saturday 2026-10-10 is a make-up working day (调休上班).
    assert D("2026-10-10").weekday() == 5
    info = workdays.day_info(D("2026-10-10"))
    assert info.is_workday and info.is_makeup_workday and not info.provisional
    assert workdays.add_workdays(D("2026-10-09"), 1).end == D("2026-10-10")
    assert workdays.add_workdays(D("2026-09-30"), 3).end == D("2026-10-10")


def test_ordinary_saturday_is_rest():
    assert workdays.is_workday(D("2026-10-17")) is False
    assert workdays.add_workdays(D("2026-10-16"), 1).end == D("2026-10-19")


# --------------------------------------------------------------------------- counting rules


def test_start_day_not_counted_by_default():
    assert workdays.add_workdays(D("2026-09-29"), 1).end == D("2026-09-30")


def test_count_start_counts_a_working_start_day_as_day_one():
    assert workdays.add_workdays(D("2026-09-30"), 1, count_start=True).end == D("2026-09-30")
    assert workdays.add_workdays(D("2026-09-30"), 2, count_start=True).end == D("2026-10-08")


def test_count_start_on_a_rest_day_does_not_count_it():
    assert workdays.add_workdays(D("2026-10-01"), 1, count_start=True).end == D("2026-10-08")
    assert workdays.add_workdays(D("2026-10-01"), 1).end == D("2026-10-08")


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "3"])
def test_n_must_be_at_least_one(n):
    with pytest.raises(ValueError, match="working day"):
        workdays.add_workdays(D("2026-09-30"), n)


def test_last_known_day_rolls_into_provisional_2027():
    # 2026-12-31 is the last day the library knows; 2027-01-01 (Fri) is 元旦 by the fixed rule.
    assert workdays.add_workdays(D("2026-12-30"), 1) == workdays.WorkdayResult(D("2026-12-31"), False)
    assert workdays.add_workdays(D("2026-12-31"), 1) == workdays.WorkdayResult(D("2027-01-04"), True)
    assert workdays.add_workdays(D("2026-12-31"), 7) == workdays.WorkdayResult(D("2027-01-12"), True)


def test_2030_never_raises_and_skips_fixed_holidays():
    assert workdays.year_coverage(2030) == workdays.COVERAGE_PROVISIONAL
    new_year = workdays.day_info(D("2030-01-01"))  # a Tuesday
    assert (new_year.is_workday, new_year.provisional, new_year.source) == (False, True, "provisional")
    assert workdays.add_workdays(D("2029-12-31"), 1) == workdays.WorkdayResult(D("2030-01-02"), True)
    # 2030-10-01..03 are Tue–Thu: skipped, Friday 10-04 is next.
    assert workdays.add_workdays(D("2030-09-30"), 1) == workdays.WorkdayResult(D("2030-10-04"), True)
    # 5/1–5/2 are statutory from 2025 on (2030-05-01 is a Wednesday).
    assert workdays.add_workdays(D("2030-04-30"), 1).end == D("2030-05-03")
    # an ordinary provisional weekday and weekend
    assert workdays.day_info(D("2030-03-05")).is_workday is True
    assert workdays.day_info(D("2030-03-09")).is_workday is False


def test_calendar_day_override_beats_the_library():
    CalendarDay.objects.create(date=D("2026-10-08"), is_workday=False, note="本地停工",
                               source=CalendarDay.Source.LOCAL)
    CalendarDay.objects.create(date=D("2026-10-07"), is_workday=True, note="本地上班",
                               source=CalendarDay.Source.LOCAL)
    assert workdays.add_workdays(D("2026-09-30"), 1).end == D("2026-10-07")
    assert workdays.add_workdays(D("2026-10-07"), 1).end == D("2026-10-09")
    info = workdays.day_info(D("2026-10-08"))
    assert (info.is_workday, info.source, info.note, info.provisional) == (False, "calendar", "本地停工", False)


def test_local_rows_do_not_make_a_year_known():
    CalendarDay.objects.create(date=D("2027-03-01"), is_workday=False, source=CalendarDay.Source.LOCAL)
    assert workdays.year_coverage(2027) == "provisional"
    assert workdays.day_info(D("2027-03-01")).provisional is False  # the row itself is decided
    assert workdays.day_info(D("2027-03-02")).provisional is True


def test_imported_2027_schedule_makes_2027_non_provisional(admin_user):
    assert workdays.year_coverage(2027) == "provisional"
    workdays.import_schedule(csv_file("date,is_workday,note\n2027-01-01,休息日,元旦\n"), actor=admin_user)
    assert workdays.year_coverage(2027) == "imported"
    assert workdays.add_workdays(D("2026-12-31"), 1) == workdays.WorkdayResult(D("2027-01-04"), False)
    assert workdays.day_info(D("2027-05-06")).provisional is False


def test_deadline_ends_at_next_day_midnight_shanghai():
    result = workdays.deadline_end(D("2026-09-30"), 2)
    assert result == workdays.DeadlineResult(D("2026-10-09"), datetime(2026, 10, 10, 0, 0, tzinfo=SH), False)
    assert result.end_at.isoformat() == "2026-10-10T00:00:00+08:00"
    assert workdays.deadline_end(D("2026-12-31"), 1).provisional is True


def test_format_deadline_chinese():
    with translation.override("zh-hans"):
        assert workdays.format_deadline(workdays.deadline_end(D("2026-09-30"), 5)) == "2026年10月13日 24:00"


def test_format_deadline_english(monkeypatch):
    """The English form, given the catalog entries (msgids are Chinese; zh-hans is the source)."""
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    catalog = {"%(year)d年%(month)s%(day)d日 24:00": "%(day)d %(month)s %(year)d, 24:00"}
    monkeypatch.setattr(workdays, "_", lambda s: catalog.get(s, s))
    monkeypatch.setattr(workdays, "pgettext", lambda ctx, s: months[int(s[:-1]) - 1])
    assert workdays.format_deadline(workdays.deadline_end(D("2026-09-30"), 5)) == "13 Oct 2026, 24:00"


def test_workdays_between_is_half_open():
    assert workdays.workdays_between(D("2026-09-30"), D("2026-10-10")) == 3  # 10-08, 10-09, 10-10
    assert workdays.workdays_between(D("2026-09-29"), D("2026-09-30")) == 1  # b counted, a not
    assert workdays.workdays_between(D("2026-09-30"), D("2026-09-30")) == 0
    assert workdays.workdays_between(D("2026-10-10"), D("2026-09-30")) == -3
    end = workdays.add_workdays(D("2026-12-20"), 15).end
    assert workdays.workdays_between(D("2026-12-20"), end) == 15


def test_lookups_use_one_query_per_year_range(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert workdays.add_workdays(D("2026-01-05"), 200).end.year == 2026
    with django_assert_num_queries(1):
        workdays.workdays_between(D("2026-01-01"), D("2027-12-31"))
    with django_assert_num_queries(1):
        weeks = workdays.month_grid(2026, 10)
    assert all(len(w) == 7 and w[0].date.weekday() == 0 for w in weeks)
    october = {i.date: i for w in weeks for i in w}
    assert october[D("2026-10-01")].is_holiday and october[D("2026-10-10")].is_makeup_workday


def test_year_coverage():
    assert workdays.year_coverage(2026) == "library"
    assert workdays.year_coverage(2004) == "library"
    assert workdays.year_coverage(2027) == "provisional"
    CalendarDay.objects.create(date=D("2027-10-01"), is_workday=False, source=CalendarDay.Source.OFFICIAL)
    assert workdays.year_coverage(2027) == "imported"


# --------------------------------------------------------------------------- warnings


def test_warn_missing_schedule_from_november_once_per_year(admin_user):
    User.objects.create_superuser(email="root2@example.cn", password="x", name="停用管理员", is_active=False)
    User.objects.create_user(email="u@example.cn", password="x", name="普通")
    assert workdays.warn_missing_schedule(now=datetime(2026, 10, 31, 23, 59, tzinfo=SH)) == 0
    assert workdays.warn_missing_schedule(now=datetime(2026, 11, 1, 0, 5, tzinfo=SH)) == 1
    assert workdays.warn_missing_schedule(now=datetime(2026, 12, 15, 9, 0, tzinfo=SH)) == 0
    n = Notification.objects.get(kind="calendar_missing_schedule")
    assert (n.user, n.dedupe_key, n.url) == (admin_user, "calendar-2027", reverse("calendar-month"))
    assert "2027" in n.subject


def test_warn_missing_schedule_silent_when_next_year_known(admin_user):
    # 2025 is a library year: no notice in November 2024
    assert workdays.warn_missing_schedule(now=datetime(2024, 11, 2, tzinfo=SH)) == 0
    CalendarDay.objects.create(date=D("2027-01-01"), is_workday=False, source=CalendarDay.Source.IMPORT)
    assert workdays.warn_missing_schedule(now=datetime(2026, 11, 2, tzinfo=SH)) == 0
    assert not Notification.objects.exists()


# --------------------------------------------------------------------------- import and set_day


def test_import_csv_creates_rows_and_audits(admin_user):
    text = ("date,is_workday,note\n"
            "2027-01-01,0,元旦\n"
            "2027-02-07,是,春节调休上班\n"
            "2027-02-08,休息日,春节\n"
            "2027-02-09,false,春节\n"
            "2027-02-20,工作日,\n")
    result = workdays.import_schedule(csv_file(text), actor=admin_user)
    assert (result.created, result.updated, result.years) == (5, 0, [2027])
    rows = {r.date: r for r in CalendarDay.objects.all()}
    assert rows[D("2027-02-07")].is_workday is True and rows[D("2027-02-07")].note == "春节调休上班"
    assert rows[D("2027-02-08")].is_workday is False
    assert {r.source for r in rows.values()} == {"import"}
    assert rows[D("2027-01-01")].updated_by == admin_user
    event = AuditEvent.objects.get(action="calendar.import")
    assert (event.data["created"], event.data["updated"], event.data["years"]) == (5, 0, [2027])
    # Sunday 2027-02-07 now counts as a working day, non-provisionally
    assert workdays.add_workdays(D("2027-02-05"), 1) == workdays.WorkdayResult(D("2027-02-07"), False)

    again = workdays.import_schedule(csv_file(text.replace("2027-02-20,工作日,", "2027-02-20,0,改为休息")),
                                     actor=admin_user)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 4)


def test_import_bad_csv_writes_nothing(admin_user):
    CalendarDay.objects.create(date=D("2027-01-01"), is_workday=True, note="原值", source=CalendarDay.Source.LOCAL)
    text = ("date,is_workday,note\n"
            "2027-01-01,0,元旦\n"
            "2027-13-01,0,坏日期\n"
            "2027-02-08,也许,坏值\n")
    with pytest.raises(workdays.ScheduleImportError) as exc:
        workdays.import_schedule(csv_file(text), actor=admin_user)
    assert [row for row, _msg in exc.value.problems] == [3, 4]
    assert exc.value.messages[0].startswith("第 3 行")
    assert isinstance(exc.value, workdays.ValidationError)
    assert list(CalendarDay.objects.values_list("date", "is_workday", "note")) == [(D("2027-01-01"), True, "原值")]
    assert not AuditEvent.objects.filter(action="calendar.import").exists()


def test_import_csv_rejects_missing_header_and_conflicts(admin_user):
    with pytest.raises(workdays.ScheduleImportError):
        workdays.import_schedule(csv_file("2027-01-01,0,元旦\n"), actor=admin_user)
    with pytest.raises(workdays.ScheduleImportError) as exc:
        workdays.import_schedule(csv_file("date,is_workday,note\n2027-01-01,0,a\n2027-01-01,1,b\n"),
                                 actor=admin_user)
    assert exc.value.problems[0][0] == 3
    assert not CalendarDay.objects.exists()


def test_import_ics(admin_user, tmp_path):
    path = tmp_path / "2027.ics"
    path.write_text(ICS_2027, encoding="utf-8")
    result = workdays.import_schedule(path, actor=None)
    assert (result.created, result.updated, result.years) == (1 + 8 + 1, 0, [2027])
    rows = {r.date: r.is_workday for r in CalendarDay.objects.all()}
    assert rows[D("2027-01-01")] is False and D("2027-01-02") not in rows  # DTEND is exclusive
    assert all(rows[D("2027-02-06") + timedelta(i)] is False for i in range(8))
    assert rows[D("2027-02-14")] is True  # 调休上班 (a Sunday)
    assert workdays.year_coverage(2027) == "imported"


def test_import_bad_ics_writes_nothing(admin_user):
    bad = ICS_2027.replace("SUMMARY:春节调休上班", "SUMMARY:情人节")
    with pytest.raises(workdays.ScheduleImportError) as exc:
        workdays.import_schedule(io.BytesIO(bad.encode()), actor=admin_user, fmt="ics")
    assert len(exc.value.problems) == 1 and "情人节" in exc.value.messages[0]
    assert not CalendarDay.objects.exists()


def test_import_requires_site_admin(staff_user):
    with pytest.raises(PermissionDenied):
        workdays.import_schedule(csv_file("date,is_workday,note\n2027-01-01,0,元旦\n"), actor=staff_user)
    assert not CalendarDay.objects.exists()


def test_set_day_is_admin_only_and_audited(admin_user, staff_user):
    with pytest.raises(PermissionDenied):
        workdays.set_day(D("2026-10-08"), False, "停工", actor=staff_user)
    row = workdays.set_day(D("2026-10-08"), False, "停工", actor=admin_user)
    assert (row.is_workday, row.note, row.source, row.updated_by) == (False, "停工", "local", admin_user)
    workdays.set_day(D("2026-10-08"), True, "恢复", actor=admin_user)
    events = list(AuditEvent.objects.filter(action="calendar.set_day").order_by("seq"))
    assert events[0].data["before"] is None
    assert events[0].data["before_effective"]["is_workday"] is True
    assert events[0].data["after"] == {"is_workday": False, "note": "停工", "source": "local"}
    assert events[1].data["before"] == {"is_workday": False, "note": "停工", "source": "local"}
    assert CalendarDay.objects.get(date=D("2026-10-08")).is_workday is True


# --------------------------------------------------------------------------- management command


def run(*args):
    out = io.StringIO()
    call_command("workdays", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_add_prints_one_line():
    assert run("add", "2026-09-30", "1") == "2026-10-08 2026-10-09T00:00:00+08:00\n"
    assert run("add", "2026-12-31", "7") == "2027-01-12 provisional 2027-01-13T00:00:00+08:00\n"
    assert run("add", "2026-09-30", "1", "--count-start") == "2026-09-30 2026-10-01T00:00:00+08:00\n"


def test_command_add_takes_count_start_from_body_policy():
    body = Body.objects.create(key="counts-start", name_zh="计入当日机构", kind=Body.Kind.THINK_TANK)
    Policy.objects.create(body=body, count_publication_day=True)
    assert run("add", "2026-09-30", "1", "--body", "counts-start") == "2026-09-30 2026-10-01T00:00:00+08:00\n"
    assert run("add", "2026-09-30", "1", "--body", "counts-start", "--no-count-start") == (
        "2026-10-08 2026-10-09T00:00:00+08:00\n")


def test_command_unknown_body_key():
    Body.objects.create(key="known-body", name_zh="已知", kind=Body.Kind.THINK_TANK)
    with pytest.raises(CommandError, match=r"unknown body key 'x' \(known: .*known-body"):
        run("add", "2026-09-30", "1", "--body", "x")


@pytest.mark.parametrize("bad", ["2026-13-01", "30/09/2026", "tomorrow"])
def test_command_malformed_date(bad):
    with pytest.raises(CommandError, match="invalid date .*YYYY-MM-DD"):
        run("add", bad, "1")


@pytest.mark.parametrize("bad", ["0", "-2", "x"])
def test_command_n_must_be_positive(bad):
    with pytest.raises(CommandError, match="working days"):
        run("add", "2026-09-30", bad)


def test_command_import_and_show(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,is_workday,note\n2027-01-01,0,元旦\n2027-01-02,0,元旦\n", encoding="utf-8")
    out = run("import", str(path))
    assert out.splitlines()[0] == "created 2, updated 0, unchanged 0 (years: 2027)"
    assert "2027: imported" in out
    shown = run("show", "2027-01")
    assert shown.startswith("2027-01  coverage: imported\n")
    assert "2027-01-01 rest [calendar] 元旦" in shown
    assert "?" not in shown.split("legend")[0]
    with pytest.raises(CommandError, match="nothing written"):
        bad = tmp_path / "bad.csv"
        bad.write_text("date,is_workday\n2027-02-30,0\n", encoding="utf-8")
        run("import", str(bad))
    with pytest.raises(CommandError, match="invalid month"):
        run("show", "2027-13")


# --------------------------------------------------------------------------- calendar page


def page(year, month):
    return reverse("calendar-month-at", kwargs={"year": year, "month": month})


def test_page_requires_login(client):
    response = client.get(reverse("calendar-month"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_page_forbidden_without_staff_area(client, plain_user):
    client.force_login(plain_user)
    assert client.get(reverse("calendar-month")).status_code == 403


def test_page_for_staff_shows_month_without_forms(client, staff_user):
    client.force_login(staff_user)
    response = client.get(page(2026, 10))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-date="2026-10-10" data-workday="1"' in html
    assert 'data-date="2026-10-01" data-workday="0"' in html
    assert "调休上班" in html
    assert 'data-testid="provisional-banner"' not in html
    assert 'id="set-day-form"' not in html and 'id="import-form"' not in html
    assert page(2026, 9) in html and page(2026, 11) in html
    assert client.post(page(2026, 10), {"action": "set_day"}).status_code == 403


def test_page_marks_provisional_month(client, staff_user):
    client.force_login(staff_user)
    html = client.get(page(2027, 1)).content.decode()
    assert 'data-testid="provisional-banner"' in html
    assert "暂定" in html
    assert 'data-date="2027-01-01" data-workday="0"' in html


def test_page_unknown_month_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(page(2026, 13)).status_code == 404


def test_admin_sets_a_day(client, admin_user):
    client.force_login(admin_user)
    assert 'id="set-day-form"' in client.get(page(2026, 10)).content.decode()
    response = client.post(page(2026, 10), {
        "action": "set_day", "day-date": "2026-10-08", "day-is_workday": "0", "day-note": "本地停工",
        "day-source": "local"}, follow=True)
    assert response.redirect_chain[-1][0] == page(2026, 10)
    row = CalendarDay.objects.get(date=D("2026-10-08"))
    assert (row.is_workday, row.note, row.source) == (False, "本地停工", "local")
    assert "2026-10-08" in "".join(str(m) for m in response.context["messages"])


def test_admin_set_day_invalid_changes_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(page(2026, 10), {
        "action": "set_day", "day-date": "2026-02-30", "day-is_workday": "0", "day-note": "",
        "day-source": "local"})
    assert response.status_code == 200
    assert response.context["set_form"].errors.keys() == {"date", "note"}
    assert not CalendarDay.objects.exists()


def test_admin_imports_schedule(client, admin_user):
    client.force_login(admin_user)
    response = client.post(page(2027, 1), {
        "action": "import", "import-file": csv_file("date,is_workday,note\n2027-01-01,0,元旦\n"), "import-fmt": ""})
    assert response.status_code == 302 and response["Location"] == page(2027, 1)
    assert workdays.year_coverage(2027) == "imported"
    html = client.get(page(2027, 1)).content.decode()
    assert 'data-testid="provisional-banner"' not in html


def test_admin_import_errors_shown_per_row(client, admin_user):
    client.force_login(admin_user)
    response = client.post(page(2027, 1), {
        "action": "import",
        "import-file": csv_file("date,is_workday,note\n2027-01-01,0,元旦\n2027-01-32,0,x\n2027-02-01,maybe,y\n"),
        "import-fmt": "csv"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "第 3 行" in html and "第 4 行" in html
    assert not CalendarDay.objects.exists()
