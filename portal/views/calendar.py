"""The working-day calendar page: staff see a month; site admins mark days and import
the official schedule. The rules live in portal.workdays."""
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions, workdays
from ..forms_calendar import ImportScheduleForm, SetDayForm

def _weekday_labels():
    return [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def _can_view(user):
    return user.is_superuser or permissions.bodies_for(user, "view_staff_area").exists()


def _shift(year, month, delta):
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


@login_required
def calendar_month(request, year=None, month=None):
    """One month of the working-day calendar (staff of any body, site admins)."""
    user = request.user
    if not _can_view(user):
        raise PermissionDenied
    if year is None or month is None:
        today = timezone.localdate()
        year, month = today.year, today.month
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        raise Http404
    is_admin = user.is_superuser and user.is_active

    set_form = import_form = None
    if is_admin:
        set_form = SetDayForm(initial={"date": date(year, month, 1)}, prefix="day")
        import_form = ImportScheduleForm(prefix="import")

    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == SetDayForm.action:
            set_form = SetDayForm(request.POST, prefix="day")
            if set_form.is_valid():
                cd = set_form.cleaned_data
                try:
                    workdays.set_day(cd["date"], cd["is_workday"], cd["note"], actor=user, source=cd["source"])
                except ValidationError as exc:
                    set_form.add_error(None, exc)
                else:
                    messages.success(request, _("已将 %(date)s 设为%(kind)s，并记入审计日志。") % {
                        "date": cd["date"].isoformat(),
                        "kind": _("工作日") if cd["is_workday"] else _("休息日")})
                    return redirect("calendar-month-at", year=cd["date"].year, month=cd["date"].month)
        elif action == ImportScheduleForm.action:
            import_form = ImportScheduleForm(request.POST, request.FILES, prefix="import")
            if import_form.is_valid():
                try:
                    result = workdays.import_schedule(
                        import_form.cleaned_data["file"], actor=user, fmt=import_form.cleaned_data["fmt"] or None)
                except workdays.ScheduleImportError as exc:
                    import_form.add_error(None, exc.messages)
                else:
                    messages.success(request, _(
                        "导入完成：新增 %(created)s 天，更新 %(updated)s 天，未变 %(unchanged)s 天（%(years)s 年）。") % {
                        "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                        "years": "、".join(str(y) for y in result.years)})
                    return redirect("calendar-month-at", year=year, month=month)
        else:
            return redirect("calendar-month-at", year=year, month=month)

    summary = workdays.month_summary(year, month)
    prev_year, prev_month = _shift(year, month, -1)
    next_year, next_month = _shift(year, month, 1)
    month_days = [info for week in summary["weeks"] for info in week if info.date.month == month]
    return render(request, "portal/calendar.html", {
        "year": year,
        "month": month,
        "month_start": date(year, month, 1),
        "weeks": summary["weeks"],
        "weekday_labels": _weekday_labels(),
        "coverage": summary["coverage"],
        "provisional": summary["provisional"],
        "workday_count": sum(1 for info in month_days if info.is_workday),
        "prev": {"year": prev_year, "month": prev_month},
        "next": {"year": next_year, "month": next_month},
        "today": timezone.localdate(),
        "is_admin": is_admin,
        "set_form": set_form,
        "import_form": import_form,
    })
