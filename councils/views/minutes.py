"""Minutes pages: drafting (prefilled from the meeting by the service), editing the text while a
draft, submitting for review, signing by the convener (a confirmation step), the locked view with
its content hash, distribution to members, and the PDF (attendance with times, motions with
tallies, a signature line)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from portal.forms import put_service_errors
from portal.pdf import render_pdf

from ..forms import MinutesForm, SignForm
from ..models import Meeting, Minutes
from ..services import minutes as minutes_services
from .common import CouncilObjectMixin, run_action

MIN = Minutes.Status


def minutes_of(meeting):
    try:
        return meeting.minutes
    except Minutes.DoesNotExist:
        return None


def _local(value):
    if not value:
        return None
    dt = parse_datetime(value) if isinstance(value, str) else value
    return timezone.localtime(dt) if dt else None


def display_content(content):
    """The frozen content with its ISO times as local datetimes (for the page and the PDF)."""
    content = dict(content or {})
    content["attendance"] = [{**a, "checked_in_at": _local(a.get("checked_in_at")),
                              "checked_out_at": _local(a.get("checked_out_at"))}
                             for a in content.get("attendance") or []]
    return content


def default_text(meeting):
    """The opening paragraph a new draft starts with (the secretariat edits it)."""
    from ..services.common import active_seats

    members = active_seats(meeting.council, on=timezone.localdate(meeting.starts_at)).count()
    present = meeting.attendance.values("seat").distinct().count()
    return _("%(council)s于%(day)s在%(place)s召开%(title)s，由%(convener)s召集。应到 %(members)d 席，"
             "实到 %(present)d 席（签到、签退时间见出席情况）。会议审议了以下事项并形成决议，表决结果见附表。") % {
        "council": meeting.council.name, "day": timezone.localtime(meeting.starts_at).strftime("%Y年%m月%d日"),
        "place": meeting.place or _("线上"), "title": meeting.title, "convener": meeting.convener.name,
        "members": members, "present": present}


class MinutesMixin(CouncilObjectMixin):
    model = Meeting
    select_related = ("council__body", "convener", "minutes", "minutes__signed_by")

    def readable(self):
        """Members read minutes once signed; staff and the convener at every stage."""
        m = minutes_of(self.object)
        if m is None:
            return False
        return m.locked or self.can_manage or self.request.user == self.object.convener


class MinutesView(MinutesMixin, TemplateView):
    template_name = "councils/minutes.html"
    form = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        m = minutes_of(self.object)
        if m is not None and not self.readable():
            raise Http404
        is_convener = self.request.user == self.object.convener
        ctx.update({
            "meeting": self.object, "minutes": m, "content": display_content(m.content if m else {}),
            "form": self.form or (MinutesForm(initial={"text": m.text}) if m and m.status == MIN.DRAFT else None),
            "is_convener": is_convener,
            "can_edit": self.can_manage and m is not None and m.status == MIN.DRAFT,
            "can_sign": is_convener and m is not None and m.status == MIN.REVIEW,
            "sign_form": SignForm(),
        })
        return ctx

    def post(self, request, *args, **kwargs):
        """Save the edited text of a draft."""
        m = minutes_of(self.object)
        if not self.can_manage or m is None:
            raise PermissionDenied
        self.form = MinutesForm(request.POST)
        if self.form.is_valid():
            try:
                minutes_services.draft_minutes(self.object, actor=request.user, text=self.form.cleaned_data["text"])
            except ValidationError as exc:
                put_service_errors(self.form, exc)
            else:
                messages.success(request, _("纪要已保存。"))
                return redirect(reverse("councils:minutes", args=[self.object.pk]))
        return self.render_to_response(self.get_context_data())


class _MinutesAction(MinutesMixin, View):
    success = ""
    manage_only = True

    def post(self, request, *args, **kwargs):
        return run_action(request, lambda: self.act(request, minutes_of(self.object)), success=self.success,
                          back=reverse("councils:minutes", args=[self.object.pk]))


class MinutesDraftView(_MinutesAction):
    success = gettext_lazy("已根据会议记录生成纪要草稿（出席、议程、表决结果）。")

    def act(self, request, m):
        text = None if (m is not None and m.text) else default_text(self.object)
        minutes_services.draft_minutes(self.object, actor=request.user, text=text)


class MinutesSubmitView(_MinutesAction):
    success = gettext_lazy("纪要已提交召集人审阅签发。")

    def act(self, request, m):
        if m is None:
            raise ValidationError(_("尚未起草纪要。"))
        minutes_services.submit_minutes(m, actor=request.user)


class MinutesReturnView(_MinutesAction):
    success = gettext_lazy("纪要已退回修改。")

    def act(self, request, m):
        if m is None:
            raise ValidationError(_("尚未起草纪要。"))
        minutes_services.return_minutes(m, actor=request.user)


class MinutesDistributeView(_MinutesAction):
    success = gettext_lazy("纪要已分发给全体席位成员。")

    def act(self, request, m):
        if m is None:
            raise ValidationError(_("尚未起草纪要。"))
        minutes_services.distribute_minutes(m, actor=request.user)


class MinutesSignView(MinutesMixin, TemplateView):
    """The convener confirms and signs; the minutes are then locked."""

    template_name = "councils/minutes_sign.html"
    form = None

    def check(self):
        m = minutes_of(self.object)
        if m is None or self.request.user != self.object.convener:
            raise PermissionDenied
        return m

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        m = self.check()
        ctx.update({"meeting": self.object, "minutes": m, "content": display_content(m.content),
                    "form": self.form or SignForm()})
        return ctx

    def post(self, request, *args, **kwargs):
        m = self.check()
        self.form = SignForm(request.POST)
        if self.form.is_valid():
            try:
                minutes_services.sign_minutes(m, actor=request.user)
            except ValidationError as exc:
                put_service_errors(self.form, exc)
            else:
                messages.success(request, _("纪要已签发并锁定。"))
                return redirect(reverse("councils:minutes", args=[self.object.pk]))
        return self.render_to_response(self.get_context_data())


class MinutesPdfView(MinutesMixin, View):
    def get(self, request, *args, **kwargs):
        m = minutes_of(self.object)
        if m is None or not self.readable():
            raise Http404
        pdf = render_pdf("pdf/council_minutes.html", {
            "meeting": self.object, "council": self.council, "body": self.body, "minutes": m,
            "content": display_content(m.content), "generated_at": timezone.now()})
        resp = HttpResponse(pdf, content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="minutes-{self.object.pk}.pdf"'
        return resp


urlpatterns = [
    path("meetings/<int:pk>/minutes/", MinutesView.as_view(), name="minutes"),
    path("meetings/<int:pk>/minutes/draft/", MinutesDraftView.as_view(), name="minutes-draft"),
    path("meetings/<int:pk>/minutes/submit/", MinutesSubmitView.as_view(), name="minutes-submit"),
    path("meetings/<int:pk>/minutes/sign/", MinutesSignView.as_view(), name="minutes-sign"),
    path("meetings/<int:pk>/minutes/return/", MinutesReturnView.as_view(), name="minutes-return"),
    path("meetings/<int:pk>/minutes/distribute/", MinutesDistributeView.as_view(), name="minutes-distribute"),
    path("meetings/<int:pk>/minutes.pdf", MinutesPdfView.as_view(), name="minutes-pdf"),
]
