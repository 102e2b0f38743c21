"""Meeting pages: the council's meetings (paginated), creating and notifying (secretariat), the
meeting page (agenda, attendance with times, the live quorum indicator polled by htmx, motions),
staff check-in/out per seat, member check-in by QR code or link during the meeting window
(substitutes for their unit), agenda proposals (late ones marked, the chair decides), starting,
closing and cancelling, and the attendance export."""
from datetime import timedelta

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from portal.excel import xlsx_response
from portal.pagination import paginate

from .. import selectors
from ..forms import AgendaItemForm, DecisionForm, MeetingForm
from ..models import AgendaItem, Attendance, Council, Meeting, Seat
from ..services import attendance as attendance_services
from ..services import meetings as meeting_services
from .common import PAGE_SIZE, CouncilObjectMixin, error_message, is_chair, run_action
from .councils import _FormView

M = Meeting.Status


class MeetingListView(CouncilObjectMixin, TemplateView):
    model = Council
    template_name = "councils/meeting_list.html"

    def council_of(self, obj):
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.council.meetings.select_related("convener").order_by("-starts_at", "-pk")
        if not self.can_manage:
            qs = qs.exclude(status=M.DRAFT)
        listing = paginate(self.request, qs, PAGE_SIZE)
        ctx.update({"meetings": listing["page_obj"].object_list, **listing})
        return ctx


class MeetingCreateView(_FormView):
    model = Council
    page_title = gettext_lazy("新建会议")
    submit_label = gettext_lazy("保存会议")
    success_message = gettext_lazy("会议已创建（草稿）。核对后请发出会议通知。")

    def council_of(self, obj):
        return obj

    def make_form(self, data=None, files=None):
        return MeetingForm(data, council=self.council)

    def perform(self, form):
        return meeting_services.create_meeting(self.council, actor=self.request.user, **form.cleaned_data)

    def success_url(self, result):
        return result.get_absolute_url()


def checkin_url(request, meeting, via="link"):
    return request.build_absolute_uri(
        reverse("councils:meeting-checkin", args=[meeting.pk, meeting.checkin_token])) + f"?via={via}"


def checkin_window(meeting):
    """(opens, closes): members may check themselves in from a while before the start to the end."""
    return meeting.starts_at - attendance_services.SELF_CHECKIN_BEFORE, meeting.ends_at


def end_time_text(value):
    """A deadline as people read it: midnight is "24:00" of the day before (2026年11月18日 24:00)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if (local.hour, local.minute) == (0, 0):
        day = local.date() - timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日 24:00"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def in_window(meeting, now=None):
    now = now or timezone.now()
    opens, closes = checkin_window(meeting)
    return meeting.status in (M.NOTIFIED, M.IN_PROGRESS) and opens <= now <= closes


class MeetingObjectMixin(CouncilObjectMixin):
    model = Meeting
    select_related = ("council__body__policy", "convener")


class MeetingDetailView(MeetingObjectMixin, TemplateView):
    template_name = "councils/meeting_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        if meeting.status == M.DRAFT and not self.can_manage:
            raise Http404
        detail = selectors.meeting_detail(meeting)
        intervals = {}
        for a in selectors.attendance_rows(meeting):
            intervals.setdefault(a.seat_id, []).append(a)
        rows = [{"seat": seat, "present": seat.pk in detail.present, "intervals": intervals.get(seat.pk, [])}
                for seat in detail.seats]
        chair = is_chair(user, self.council)
        now = timezone.now()
        my_seat_ids = {s.pk for s in self.seats}
        ctx.update({
            "meeting": meeting, "detail": detail, "is_chair": chair,
            "quorum": detail.verdict, "rows": rows, "agenda": detail.agenda, "motions": detail.motions,
            "agenda_open": meeting.status in (M.DRAFT, M.NOTIFIED) and (self.seats or self.can_manage),
            "agenda_closes_text": end_time_text(meeting.agenda_closes_at),
            "agenda_late": bool(meeting.agenda_closes_at and now > meeting.agenda_closes_at),
            "agenda_form": AgendaItemForm(),
            "in_window": in_window(meeting, now), "window": checkin_window(meeting),
            "checkin_link": checkin_url(self.request, meeting, "link") if (self.seats or self.can_manage) else "",
            "qr_svg": (segno.make(checkin_url(self.request, meeting, "qr"), error="m").svg_inline(
                scale=4, title=_("会议签到二维码")) if self.can_manage else ""),
            "polling": meeting.status in (M.NOTIFIED, M.IN_PROGRESS),
            "my_present": [r for r in rows if r["seat"].pk in my_seat_ids and r["present"]],
            "can_draft_minutes": self.can_manage and meeting.status == M.CLOSED,
            "minutes": getattr(meeting, "minutes", None) if _has_minutes(meeting) else None,
        })
        return ctx


def _has_minutes(meeting):
    from ..models import Minutes

    try:
        return meeting.minutes is not None
    except Minutes.DoesNotExist:
        return False


class QuorumPartialView(MeetingObjectMixin, TemplateView):
    """The live quorum indicator (htmx polls it every few seconds)."""

    template_name = "councils/_quorum.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({"meeting": self.object, "quorum": attendance_services.quorum_status(self.object),
                    "polling": self.object.status in (M.NOTIFIED, M.IN_PROGRESS)})
        return ctx


class _MeetingAction(MeetingObjectMixin, View):
    """One POST button of the secretariat on a meeting."""

    manage_only = True
    success = ""

    def post(self, request, *args, **kwargs):
        return run_action(request, lambda: self.act(request), success=self.success,
                          back=self.object.get_absolute_url())


class MeetingNotifyView(_MeetingAction):
    success = gettext_lazy("会议通知已发送给全体席位成员。")

    def act(self, request):
        meeting_services.notify_meeting(self.object, actor=request.user)


class MeetingStartView(_MeetingAction):
    success = gettext_lazy("会议已开始。")

    def act(self, request):
        meeting_services.start_meeting(self.object, actor=request.user)


class MeetingCloseView(_MeetingAction):
    success = gettext_lazy("会议已结束，未签退的出席人已按散会时间签退。")

    def act(self, request):
        meeting_services.close_meeting(self.object, actor=request.user)


class MeetingCancelView(_MeetingAction):
    success = gettext_lazy("会议已取消。")

    def act(self, request):
        meeting_services.cancel_meeting(self.object, actor=request.user)


class StaffCheckView(_MeetingAction):
    """Staff check a seat in or out; for a unit seat, `attendee` says representative or substitute."""

    def act(self, request):
        seat = get_object_or_404(Seat, pk=self.kwargs["seat"], council=self.council)
        if self.kwargs["direction"] == "in":
            attendee = seat.holder
            if seat.unit_id:
                attendee = seat.substitute if request.POST.get("attendee") == "substitute" else seat.representative
            if attendee is None:
                raise ValidationError(_("该单位未指定候补代表。"))
            attendance_services.check_in(self.object, seat, actor=request.user, attendee=attendee,
                                         method=Attendance.Method.STAFF)
            self.success = _("%(who)s 已签到。") % {"who": attendee.name}
        else:
            attendance_services.check_out(self.object, seat, actor=request.user)
            self.success = _("%(seat)s 已签退。") % {"seat": seat.occupant_name}

    def post(self, request, *args, **kwargs):
        super().post(request, *args, **kwargs)
        return redirect(self.object.get_absolute_url() + "#attendance")


class CheckinView(MeetingObjectMixin, TemplateView):
    """A member opens the meeting's check-in link (or scans its QR code) and checks in for the
    seat(s) they hold or represent; only during the meeting window."""

    template_name = "councils/checkin.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if not constant_time_compare(self.kwargs["token"], self.object.checkin_token):
            raise Http404
        present = set(Attendance.objects.filter(meeting=self.object, checked_out_at__isnull=True,
                                                seat__in=[s.pk for s in self.seats]).values_list("seat_id", flat=True))
        ctx.update({"meeting": self.object, "in_window": in_window(self.object), "window": checkin_window(self.object),
                    "seat_rows": [{"seat": s, "present": s.pk in present} for s in self.seats],
                    "via": "qr" if self.request.GET.get("via") == "qr" else "link"})
        return ctx

    def post(self, request, *args, **kwargs):
        if not constant_time_compare(kwargs["token"], self.object.checkin_token):
            raise Http404
        seat = next((s for s in self.seats if str(s.pk) == request.POST.get("seat")), None)
        if seat is None:
            raise PermissionDenied
        method = Attendance.Method.QR if request.POST.get("via") == "qr" else Attendance.Method.LINK
        try:
            if request.POST.get("action") == "out":
                attendance_services.check_out(self.object, seat, actor=request.user)
                messages.success(request, _("已签退。"))
            else:
                attendance_services.check_in(self.object, seat, actor=request.user, attendee=request.user,
                                             method=method, token=kwargs["token"])
                messages.success(request, _("签到成功。"))
        except (ValidationError, PermissionDenied) as exc:
            error_message(request, exc)
            return redirect(request.path + f"?via={method}")
        return redirect(self.object.get_absolute_url())


class AgendaProposeView(MeetingObjectMixin, View):
    def post(self, request, *args, **kwargs):
        form = AgendaItemForm(request.POST)
        if not (self.seats or self.can_manage):
            raise PermissionDenied
        if form.is_valid():
            try:
                item = meeting_services.propose_agenda_item(
                    self.object, actor=request.user, title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"])
            except (ValidationError, PermissionDenied) as exc:
                error_message(request, exc)
            else:
                if item.late:
                    messages.warning(request, _("议题征集已截止，本议题标记为逾期，须经理事长批准后列入议程。"))
                else:
                    messages.success(request, _("议题已提交。"))
        else:
            for errors in form.errors.values():
                for e in errors:
                    messages.error(request, e)
        return redirect(self.object.get_absolute_url() + "#agenda")


class AgendaDecideView(CouncilObjectMixin, View):
    model = AgendaItem
    select_related = ("meeting__council__body",)

    def council_of(self, obj):
        return obj.meeting.council

    def post(self, request, *args, **kwargs):
        form = DecisionForm(request.POST)
        if not is_chair(request.user, self.council):
            raise PermissionDenied
        if form.is_valid():
            try:
                meeting_services.decide_agenda_item(self.object, actor=request.user,
                                                    accept=form.cleaned_data["decision"] == "accept")
            except (ValidationError, PermissionDenied) as exc:
                error_message(request, exc)
            else:
                messages.success(request, _("已对逾期议题作出决定。"))
        return redirect(self.object.meeting.get_absolute_url() + "#agenda")


class AttendanceExportView(MeetingObjectMixin, View):
    def get(self, request, *args, **kwargs):
        rows = selectors.attendance_rows(self.object)
        headers = [_("席位"), _("职务"), _("出席人"), _("替补出席"), _("签到时间"), _("签退时间"), _("签到方式")]
        name = f"attendance-{self.object.pk}-{timezone.localdate():%Y%m%d}.xlsx"
        data = [[a.seat.occupant_name, a.seat.get_role_display(), a.attendee.name,
                 _("是") if a.as_substitute else _("否"), a.checked_in_at, a.checked_out_at,
                 a.get_method_display()] for a in rows]
        return xlsx_response(name, _("出席记录"), headers, data)


urlpatterns = [
    path("councils/<int:pk>/meetings/", MeetingListView.as_view(), name="meeting-list"),
    path("councils/<int:pk>/meetings/new/", MeetingCreateView.as_view(), name="meeting-new"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/quorum/", QuorumPartialView.as_view(), name="meeting-quorum"),
    path("meetings/<int:pk>/notify/", MeetingNotifyView.as_view(), name="meeting-notify"),
    path("meetings/<int:pk>/start/", MeetingStartView.as_view(), name="meeting-start"),
    path("meetings/<int:pk>/close/", MeetingCloseView.as_view(), name="meeting-close"),
    path("meetings/<int:pk>/cancel/", MeetingCancelView.as_view(), name="meeting-cancel"),
    path("meetings/<int:pk>/seats/<int:seat>/check-<str:direction>/", StaffCheckView.as_view(),
         name="meeting-staff-check"),
    path("meetings/<int:pk>/checkin/<str:token>/", CheckinView.as_view(), name="meeting-checkin"),
    path("meetings/<int:pk>/agenda/", AgendaProposeView.as_view(), name="agenda-propose"),
    path("agenda-items/<int:pk>/decide/", AgendaDecideView.as_view(), name="agenda-decide"),
    path("meetings/<int:pk>/attendance.xlsx", AttendanceExportView.as_view(), name="attendance-export"),
]
