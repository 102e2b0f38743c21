"""Council pages: the body's councils, one council (seats by role with their terms, member units,
the leaders-versus-units indicator), the secretariat's forms to appoint and end seats, admit and
remove units, unit join applications (form for any logged-in user, list for the secretariat), and
petitions for an ad-hoc meeting (progress, signing by unit representatives)."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from portal.forms import put_service_errors
from portal.models import Body
from portal.pagination import paginate
from portal.permissions import has

from .. import rules
from ..forms import EndSeatForm, PetitionForm, RemoveUnitForm, SeatForm, UnitApplicationForm, UnitForm
from ..models import Council, MemberUnit, Petition, PetitionSignature, Seat, UnitApplication
from ..services import meetings as petitions
from ..services import membership
from .common import PAGE_SIZE, VIEW_PERMISSIONS, CouncilObjectMixin, error_message

ROLE_ORDER = [r for r, _label in Seat.Role.choices]


class BodyCouncilsView(LoginRequiredMixin, TemplateView):
    """The councils of one body (members, secretariat, supervisors)."""

    template_name = "councils/body_councils.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        body = get_object_or_404(Body, key=kwargs["key"], is_active=True)
        user = self.request.user
        seated = Seat.objects.filter(council__body=body, status=Seat.Status.ACTIVE).filter(
            Q(holder=user) | Q(representative=user) | Q(substitute=user)).exists()
        if not seated and not any(has(user, p, body) for p in VIEW_PERMISSIONS):
            raise PermissionDenied
        councils = list(Council.objects.filter(body=body).annotate(
            n_seats=Count("seats", filter=Q(seats__status=Seat.Status.ACTIVE), distinct=True)).order_by("pk"))
        ctx.update({"body": body, "councils": councils})
        return ctx


def seat_groups(seats):
    """Active seats grouped by role, in role order: [(label, [seat, ...]), ...]."""
    labels = dict(Seat.Role.choices)
    by_role = {}
    for s in seats:
        by_role.setdefault(s.role, []).append(s)
    return [(labels[r], by_role[r]) for r in ROLE_ORDER if r in by_role]


def leaders_verdict(council, seats, units_count):
    policy = council.body.policy
    if not policy.leaders_max_num or not policy.leaders_max_den:
        return None
    leaders = sum(1 for s in seats if s.role in Seat.LEADER_ROLES)
    return rules.leaders_ok(policy, leaders, units_count)


class CouncilDetailView(CouncilObjectMixin, TemplateView):
    model = Council
    select_related = ("body", "body__policy")
    template_name = "councils/council_detail.html"

    def council_of(self, obj):
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        council = self.council
        seats = list(council.seats.filter(status=Seat.Status.ACTIVE)
                     .select_related("holder", "unit", "representative", "substitute").order_by("pk"))
        units = list(council.units.filter(status=MemberUnit.Status.ACTIVE).order_by("name"))
        left = list(council.units.filter(status=MemberUnit.Status.LEFT).order_by("-left_on")[:20])
        upcoming = list(council.meetings.exclude(status__in=["closed", "cancelled"]).order_by("starts_at")[:5])
        ctx.update({
            "groups": seat_groups(seats), "seats_count": len(seats), "units": units, "left_units": left,
            "leaders": leaders_verdict(council, seats, len(units)),
            "upcoming": upcoming,
            "open_petitions": council.petitions.filter(status__in=["open", "reached"]).count(),
            "pending_applications": (council.unit_applications.filter(status="submitted").count()
                                     if self.can_manage else 0),
        })
        return ctx


# --------------------------------------------------------------------------- seats

class _FormView(CouncilObjectMixin, TemplateView):
    """A staff form on a council object: GET shows it, POST calls `perform` (a service)."""

    manage_only = True
    form_class = None
    success_message = ""
    form = None
    template_name = "councils/form.html"
    page_title = ""
    submit_label = gettext_lazy("保存")
    intro = ""

    def make_form(self, data=None, files=None):
        return self.form_class(data, files)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form or self.make_form()
        ctx.update({"object": self.object, "page_title": self.page_title, "submit_label": self.submit_label,
                    "intro": self.intro})
        return ctx

    def post(self, request, *args, **kwargs):
        self.form = self.make_form(request.POST, request.FILES)
        if self.form.is_valid():
            try:
                result = self.perform(self.form)
            except ValidationError as exc:
                put_service_errors(self.form, exc)
            except PermissionDenied as exc:
                self.form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
            else:
                messages.success(request, self.success_message)
                return redirect(self.success_url(result))
        return self.render_to_response(self.get_context_data(), status=200)

    def success_url(self, result):
        return self.council.get_absolute_url()


class SeatAppointView(_FormView):
    model = Council
    page_title = gettext_lazy("任命席位")
    submit_label = gettext_lazy("任命")
    intro = gettext_lazy("个人席位填写担任人；单位席位选择成员单位并指定单位代表（可另设候补代表）。任期按本机构规定的年限计算。")
    success_message = gettext_lazy("席位已任命。")

    def council_of(self, obj):
        return obj

    def make_form(self, data=None, files=None):
        return SeatForm(data, council=self.council)

    def perform(self, form):
        return membership.appoint_seat(self.council, actor=self.request.user, **form.service_kwargs())


class SeatEndView(_FormView):
    model = Seat
    select_related = ("council__body", "holder", "unit")
    page_title = gettext_lazy("结束席位")
    submit_label = gettext_lazy("结束席位")
    form_class = EndSeatForm
    success_message = gettext_lazy("席位已结束。")

    def perform(self, form):
        if self.object.status != Seat.Status.ACTIVE:
            raise ValidationError(_("该席位已结束。"))
        return membership.end_seat(self.object, actor=self.request.user, reason=form.cleaned_data["reason"])


class SeatRenewView(CouncilObjectMixin, View):
    """连选连任: the same occupant's next term (the secretariat)."""

    model = Seat
    select_related = ("council__body",)
    manage_only = True

    def post(self, request, *args, **kwargs):
        try:
            membership.renew_seat(self.object, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            error_message(request, exc)
        else:
            messages.success(request, _("已续任下一届。"))
        return redirect(self.council.get_absolute_url())


# --------------------------------------------------------------------------- units

class UnitAdmitView(_FormView):
    model = Council
    page_title = gettext_lazy("接纳成员单位")
    submit_label = gettext_lazy("接纳")
    intro = gettext_lazy("经全体会议表决通过的单位，也可在表决结束时自动接纳。")
    form_class = UnitForm
    success_message = gettext_lazy("成员单位已加入。")

    def council_of(self, obj):
        return obj

    def perform(self, form):
        return membership.admit_unit(self.council, actor=self.request.user, **form.cleaned_data)


class UnitRemoveView(_FormView):
    model = MemberUnit
    select_related = ("council__body",)
    page_title = gettext_lazy("成员单位退出")
    submit_label = gettext_lazy("确认退出")
    form_class = RemoveUnitForm
    success_message = gettext_lazy("成员单位已退出，其席位随之结束。")

    def perform(self, form):
        if self.object.status != MemberUnit.Status.ACTIVE:
            raise ValidationError(_("该单位已退出。"))
        return membership.remove_unit(self.object, actor=self.request.user, reason=form.cleaned_data["reason"],
                                      note=form.cleaned_data["note"])


class UnitApplyView(LoginRequiredMixin, TemplateView):
    """Any logged-in user applies on behalf of a unit to join a council."""

    template_name = "councils/unit_apply.html"
    form = None

    def dispatch(self, request, *args, **kwargs):
        self.council = get_object_or_404(Council.objects.select_related("body"), pk=kwargs["pk"],
                                         body__is_active=True)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({"council": self.council, "body": self.council.body, "form": self.form or UnitApplicationForm()})
        return ctx

    def post(self, request, *args, **kwargs):
        self.form = UnitApplicationForm(request.POST, request.FILES)
        if self.form.is_valid():
            d = self.form.cleaned_data
            try:
                membership.submit_unit_application(
                    self.council, actor=request.user, unit_name=d["name"], credit_code=d["credit_code"],
                    contact_name=d["contact_name"], contact_phone=d["contact_phone"], reason=d["reason"],
                    attachment=d.get("attachment"))
            except ValidationError as exc:
                put_service_errors(self.form, exc)
            else:
                messages.success(request, _("入会申请已提交，将提交全体会议审议。"))
                return redirect(reverse("councils:unit-apply", args=[self.council.pk]))
        return self.render_to_response(self.get_context_data())


class ApplicationListView(CouncilObjectMixin, TemplateView):
    model = Council
    manage_only = True
    template_name = "councils/applications.html"

    def council_of(self, obj):
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.council.unit_applications.select_related("submitted_by", "motion").order_by("-created_at")
        listing = paginate(self.request, qs, PAGE_SIZE)
        next_meeting = (self.council.meetings.filter(status__in=["notified", "in_progress"])
                        .order_by("starts_at").first())
        ctx.update({"applications": listing["page_obj"].object_list, "next_meeting": next_meeting, **listing})
        return ctx


class ApplicationAttachmentView(CouncilObjectMixin, View):
    model = UnitApplication
    manage_only = True

    def get(self, request, *args, **kwargs):
        if not self.object.attachment:
            raise Http404
        return FileResponse(self.object.attachment.open("rb"), as_attachment=True,
                            filename=f"application-{self.object.pk}.pdf")


# --------------------------------------------------------------------------- petitions

class PetitionListView(CouncilObjectMixin, TemplateView):
    model = Council
    select_related = ("body__policy",)
    template_name = "councils/petitions.html"
    form = None

    def council_of(self, obj):
        return obj

    def unit_seats(self):
        return [s for s in self.seats if s.unit_id]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        council = self.council
        units_count = council.units.filter(status=MemberUnit.Status.ACTIVE).count()
        my_units = {s.unit_id for s in self.unit_seats()}
        qs = (council.petitions.annotate(n_signed=Count("signatures", filter=Q(signatures__unit__status="active")))
              .select_related("created_by", "meeting", "council__body__policy")
              .prefetch_related(Prefetch("signatures", queryset=PetitionSignature.objects.select_related("unit")))
              .order_by("-created_at"))
        listing = paginate(self.request, qs, PAGE_SIZE)
        rows = []
        for p in listing["page_obj"].object_list:
            progress = petitions.petition_progress(p, units=units_count, signed=p.n_signed)
            signed, units, needed = progress["signed"], progress["units"], progress["needed"]
            signed_units = {s.unit_id for s in p.signatures.all()}
            rows.append({"p": p, "signed": signed, "units": units, "needed": needed,
                         "percent": min(100, round(100 * signed / needed)) if needed else 100,
                         "can_sign": p.status == Petition.Status.OPEN and bool(my_units - signed_units),
                         "signed_by_me": bool(my_units & signed_units)})
        ctx.update({"rows": rows, **listing, "form": self.form or PetitionForm(),
                    "can_start": bool(self.unit_seats())})
        return ctx

    def post(self, request, *args, **kwargs):
        self.form = PetitionForm(request.POST)
        if self.form.is_valid():
            try:
                petitions.start_petition(self.council, actor=request.user, reason=self.form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                put_service_errors(self.form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
            else:
                messages.success(request, _("临时会议提议已发起，等待成员单位签署。"))
                return redirect(reverse("councils:petitions", args=[self.council.pk]))
        return self.render_to_response(self.get_context_data())


class PetitionConveneView(_FormView):
    """The secretariat convenes the ad-hoc meeting a reached petition asks for."""

    model = Petition
    select_related = ("council__body",)
    page_title = gettext_lazy("召集临时会议")
    submit_label = gettext_lazy("创建临时会议")
    intro = gettext_lazy("提议已达到规定比例。会议创建后为草稿，核对后发出会议通知。")
    success_message = gettext_lazy("临时会议已创建。")

    def make_form(self, data=None, files=None):
        from ..forms import MeetingForm

        form = MeetingForm(data, council=self.council,
                           initial={"kind": "special", "ad_hoc": True, "title": _("临时全体会议")})
        del form.fields["ad_hoc"]
        return form

    def perform(self, form):
        d = form.cleaned_data
        return petitions.convene_from_petition(
            self.object, actor=self.request.user, title=d["title"], starts_at=d["starts_at"], ends_at=d["ends_at"],
            convener=d["convener"], kind=d["kind"], mode=d["mode"], place=d["place"], online_url=d["online_url"])

    def success_url(self, result):
        return result.get_absolute_url()


class PetitionWithdrawView(CouncilObjectMixin, View):
    model = Petition
    select_related = ("council__body", "created_by")

    def post(self, request, *args, **kwargs):
        try:
            petitions.withdraw_petition(self.object, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            error_message(request, exc)
        else:
            messages.success(request, _("提议已撤回。"))
        return redirect(reverse("councils:petitions", args=[self.council.pk]))


class PetitionSignView(CouncilObjectMixin, View):
    model = Petition
    select_related = ("council__body",)

    def post(self, request, *args, **kwargs):
        seats = [s for s in self.seats if s.unit_id]
        if not seats:
            raise PermissionDenied
        signed_any = False
        try:
            petitions.sign_petition(self.object, actor=request.user)
            signed_any = True
        except (ValidationError, PermissionDenied) as exc:
            error_message(request, exc)
        if signed_any:
            messages.success(request, _("已代表本单位签署提议。"))
        return redirect(reverse("councils:petitions", args=[self.council.pk]))


urlpatterns = [
    path("bodies/<slug:key>/councils/", BodyCouncilsView.as_view(), name="body-councils"),
    path("councils/<int:pk>/", CouncilDetailView.as_view(), name="council-detail"),
    path("councils/<int:pk>/seats/new/", SeatAppointView.as_view(), name="seat-new"),
    path("seats/<int:pk>/end/", SeatEndView.as_view(), name="seat-end"),
    path("seats/<int:pk>/renew/", SeatRenewView.as_view(), name="seat-renew"),
    path("councils/<int:pk>/units/new/", UnitAdmitView.as_view(), name="unit-new"),
    path("units/<int:pk>/remove/", UnitRemoveView.as_view(), name="unit-remove"),
    path("councils/<int:pk>/apply/", UnitApplyView.as_view(), name="unit-apply"),
    path("councils/<int:pk>/applications/", ApplicationListView.as_view(), name="applications"),
    path("unit-applications/<int:pk>/attachment/", ApplicationAttachmentView.as_view(),
         name="application-attachment"),
    path("councils/<int:pk>/petitions/", PetitionListView.as_view(), name="petitions"),
    path("petitions/<int:pk>/sign/", PetitionSignView.as_view(), name="petition-sign"),
    path("petitions/<int:pk>/withdraw/", PetitionWithdrawView.as_view(), name="petition-withdraw"),
    path("petitions/<int:pk>/convene/", PetitionConveneView.as_view(), name="petition-convene"),
]
