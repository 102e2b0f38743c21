"""Motion pages: creating a motion at a meeting (secretariat), opening and closing the vote
(secretariat or chair; refused with the service's message when the meeting is not quorate), the
ballot page for members (big yes/no/abstain buttons; the current ballot shown and changeable until
the close), the live result panel, written votes (requested by the secretariat, approved by the
chair, with a deadline) and elections with candidates."""
from django.contrib import messages
from django.db import transaction
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from portal.forms import put_service_errors
from portal.pagination import paginate

from .. import selectors
from ..forms import BallotForm, ElectionBallotForm, MotionForm, WrittenVoteForm
from ..models import Ballot, Council, Meeting, Motion
from ..services import votes as vote_services
from .common import PAGE_SIZE, CouncilObjectMixin, error_message, is_chair, run_action
from .councils import _FormView

MS = Motion.Status


class MotionCreateView(_FormView):
    model = Meeting
    select_related = ("council__body",)
    page_title = gettext_lazy("新建议案")
    submit_label = gettext_lazy("保存议案")
    intro = gettext_lazy("一般事项以出席人数为基数；重大事项和罢免以全体席位为基数；选举须填写职务、应选人数和候选人。")
    success_message = gettext_lazy("议案已创建。会议达到法定人数后可开始表决。")

    def make_form(self, data=None, files=None):
        initial = {}
        application = self.request.GET.get("application", "")
        if application.isdigit():
            app = self.council.unit_applications.filter(pk=application).first()
            if app is not None:
                initial = {"kind": Motion.Kind.UNIT_ADMISSION, "unit_application": app.pk,
                           "title": _("关于接纳“%(unit)s”为成员单位的决议") % {"unit": app.unit_name},
                           "text": app.reason}
        return MotionForm(data, council=self.council, initial=initial)

    def perform(self, form):
        return vote_services.create_motion(self.council, actor=self.request.user, meeting=self.object,
                                           **form.service_kwargs())

    def success_url(self, result):
        return result.get_absolute_url()


class WrittenVoteListView(CouncilObjectMixin, TemplateView):
    model = Council
    template_name = "councils/written_votes.html"
    form = None

    def council_of(self, obj):
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = (self.council.motions.filter(written=True).select_related("created_by", "chair_approved_by")
              .order_by("-created_at", "-pk"))
        if not self.can_manage and not is_chair(self.request.user, self.council):
            qs = qs.exclude(status__in=[MS.DRAFT, MS.PENDING_CHAIR])
        listing = paginate(self.request, qs, PAGE_SIZE)
        ctx.update({"motions": listing["page_obj"].object_list, **listing,
                    "form": self.form or WrittenVoteForm(), "is_chair": is_chair(self.request.user, self.council),
                    "allowed": self.body.policy.written_vote_allowed})
        return ctx

    def post(self, request, *args, **kwargs):
        if not self.can_manage:
            raise PermissionDenied
        self.form = WrittenVoteForm(request.POST)
        if self.form.is_valid():
            d = self.form.cleaned_data
            try:
                with transaction.atomic():
                    motion = vote_services.create_motion(self.council, actor=request.user, title=d["title"],
                                                         text=d["text"], kind=d["kind"], public=d["public"])
                    vote_services.request_written_vote(motion, actor=request.user, closes_at=d["closes_at"])
            except ValidationError as exc:
                put_service_errors(self.form, exc)
            else:
                messages.success(request, _("书面表决已提交理事长批准。"))
                return redirect(motion.get_absolute_url())
        return self.render_to_response(self.get_context_data())


def voting_seats_of(motion, user, seats):
    """The user's seats on the motion's frozen roster (the seats they may vote for)."""
    allowed = {r["seat"] for r in motion.roster or [] if user.pk in r.get("voters", [])}
    return [s for s in seats if s.pk in allowed]


def tally_view(motion):
    """The selector's tally plus what the panel shows: the verdict word and, for elections, one
    row per candidate with its name."""
    t = dict(selectors.tally(motion))
    if motion.kind == Motion.Kind.ELECTION:
        if not t.get("final"):
            names = {str(c.pk): c.name for c in motion.candidates.all()}
            counts = t.get("candidates") or {}
            t["candidates"] = [{"name": name, **counts.get(pk, {"yes": 0, "no": 0, "abstain": 0}), "elected": False}
                               for pk, name in names.items()]
    else:
        t["candidates"] = []
    t["passed"] = motion.result == Motion.Result.PASSED
    return t


class MotionObjectMixin(CouncilObjectMixin):
    model = Motion
    select_related = ("council__body__policy", "meeting", "resolution", "target_seat")


class MotionDetailView(MotionObjectMixin, TemplateView):
    template_name = "councils/motion_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        motion, user = self.object, self.request.user
        candidates = list(motion.candidates.all()) if motion.kind == Motion.Kind.ELECTION else []
        voting_seats = voting_seats_of(motion, user, self.seats)
        ballots = {b.seat_id: b for b in Ballot.objects.filter(motion=motion, seat__in=[s.pk for s in voting_seats])}
        ballot_rows = []
        for seat in voting_seats:
            b = ballots.get(seat.pk)
            if candidates:
                form = ElectionBallotForm(candidates=candidates, prefix=f"s{seat.pk}",
                                          initial={f"c{k}": v for k, v in (b.choices if b else {}).items()})
            else:
                form = None
            ballot_rows.append({"seat": seat, "ballot": b, "form": form})
        chair = is_chair(user, self.council)
        ctx.update({
            "motion": motion, "candidates": candidates, "ballot_rows": ballot_rows,
            "tally": tally_view(motion), "is_chair": chair,
            "can_run": (self.can_manage or chair) and not motion.written,
            "can_approve": chair and motion.status == MS.PENDING_CHAIR,
            "polling": motion.status == MS.OPEN,
            "show_ballots": (not motion.secret) and (self.can_manage or chair or self.seats),
        })
        if ctx["show_ballots"] and motion.status in (MS.OPEN, MS.CLOSED):
            ctx["ballots"] = list(Ballot.objects.filter(motion=motion).select_related(
                "seat__unit", "seat__holder", "cast_by").order_by("cast_at", "pk"))
        return ctx


class TallyPartialView(MotionObjectMixin, TemplateView):
    template_name = "councils/_tally.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({"motion": self.object, "tally": tally_view(self.object),
                    "polling": self.object.status == MS.OPEN})
        return ctx


class _MotionAction(MotionObjectMixin, View):
    success = ""

    def allowed(self, request):
        return self.can_manage or is_chair(request.user, self.council)

    def post(self, request, *args, **kwargs):
        if not self.allowed(request):
            raise PermissionDenied
        return run_action(request, lambda: self.act(request), success=self.success,
                          back=self.object.get_absolute_url())


class MotionOpenView(_MotionAction):
    success = gettext_lazy("表决已开始，表决名册和规则已冻结。")

    def act(self, request):
        vote_services.open_motion(self.object, actor=request.user)


class MotionCloseView(_MotionAction):
    success = gettext_lazy("表决已结束，结果已记录。")

    def act(self, request):
        vote_services.close_motion(self.object, actor=request.user)


class MotionCancelView(_MotionAction):
    success = gettext_lazy("议案已取消。")

    def act(self, request):
        vote_services.cancel_motion(self.object, actor=request.user, reason=request.POST.get("reason", "")[:500])


class ResolutionPublishView(_MotionAction):
    success = gettext_lazy("决议已在决议公开登记簿发布。")

    def allowed(self, request):
        return self.can_manage

    def act(self, request):
        resolution = getattr(self.object, "resolution", None)
        if resolution is None:
            raise ValidationError(_("该议案没有形成决议。"))
        vote_services.publish_resolution(resolution, actor=request.user)


class MotionApproveView(_MotionAction):
    success = gettext_lazy("已批准书面表决，表决已开始。")

    def allowed(self, request):
        return is_chair(request.user, self.council)

    def act(self, request):
        vote_services.approve_written_vote(self.object, actor=request.user)


class BallotView(MotionObjectMixin, View):
    """A member casts or changes the ballot of one seat they may vote for."""

    def post(self, request, *args, **kwargs):
        motion = self.object
        seat = next((s for s in self.seats if str(s.pk) == request.POST.get("seat")), None)
        if seat is None:
            raise PermissionDenied
        try:
            if motion.kind == Motion.Kind.ELECTION:
                form = ElectionBallotForm(request.POST, candidates=motion.candidates.all(), prefix=f"s{seat.pk}")
                if not form.is_valid():
                    raise ValidationError(_("请对每位候选人选择赞成、反对或弃权。"))
                vote_services.cast_ballot(motion, seat, actor=request.user, choices=form.choices())
            else:
                form = BallotForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("请选择赞成、反对或弃权。"))
                vote_services.cast_ballot(motion, seat, actor=request.user, choice=form.cleaned_data["choice"])
        except (ValidationError, PermissionDenied) as exc:
            error_message(request, exc)
        else:
            messages.success(request, _("您的表决意见已记录。表决结束前可以修改。"))
        return redirect(reverse("councils:motion-detail", args=[motion.pk]) + "#my-ballot")


urlpatterns = [
    path("meetings/<int:pk>/motions/new/", MotionCreateView.as_view(), name="motion-new"),
    path("councils/<int:pk>/written-votes/", WrittenVoteListView.as_view(), name="written-votes"),
    path("motions/<int:pk>/", MotionDetailView.as_view(), name="motion-detail"),
    path("motions/<int:pk>/tally/", TallyPartialView.as_view(), name="motion-tally"),
    path("motions/<int:pk>/open/", MotionOpenView.as_view(), name="motion-open"),
    path("motions/<int:pk>/close/", MotionCloseView.as_view(), name="motion-close"),
    path("motions/<int:pk>/cancel/", MotionCancelView.as_view(), name="motion-cancel"),
    path("motions/<int:pk>/publish/", ResolutionPublishView.as_view(), name="resolution-publish"),
    path("motions/<int:pk>/approve/", MotionApproveView.as_view(), name="motion-approve"),
    path("motions/<int:pk>/ballot/", BallotView.as_view(), name="motion-ballot"),
]
