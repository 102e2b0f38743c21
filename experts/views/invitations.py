"""Views: the expert side of draws and the evaluations after an engagement.

Public (no login, the signed link is the credential): `invitation-respond`
(/invitations/respond/<token>/) shows the invited expert's engagement — never the other
panel members — and takes one answer: accept, decline (reason) or declare a conflict
(reason). Logged in: `my-invitations` (every invitation of the user's memberships, all
bodies), `invitation-reply` (the same answers), `my-ratings` (the user's own evaluations).
Staff (manage_experts): `draw-evaluate` records attendance and ratings once the engagement
has started, and exports them to Excel.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from portal.excel import xlsx_response
from portal.forms import put_service_errors
from portal.pagination import paginate
from portal.permissions import BodyPermissionMixin

from ..forms.invitations import EvaluationForm, ReplyForm
from ..models import Draw, Invitation
from ..services import draws as draw_services
from ..services import evaluations
from ..services import invitations as services
from ..services.evaluations import CRITERIA

PAGE_SIZE = 25
ANSWER_MESSAGES = {
    "accept": gettext_lazy("已接受邀请。请按时参加，谢谢！"),
    "decline": gettext_lazy("已谢绝邀请，系统将按抽取顺序自动补抽。"),
    "conflict": gettext_lazy("已申报回避，系统将按抽取顺序自动补抽。"),
}


def _invitation_context(inv, now):
    draw = inv.draw
    answered = inv.status != Invitation.Status.INVITED
    late = not answered and now > inv.reply_by
    return {
        "invitation": inv, "draw": draw, "body": draw.body,
        "deadline": services.deadline_display(inv.reply_by),
        "dates": services.engagement_dates_display(draw),
        "answered": answered, "late": late, "can_answer": not answered and not late,
        "replied_display": services.deadline_display(inv.replied_at) if inv.replied_at else "",
    }


def _reply(request, inv, form, *, actor, via):
    """Validate and hand the answer to the service. Returns True when it was recorded."""
    if inv.status != Invitation.Status.INVITED:
        form.is_valid()
        form.add_error(None, _("您已于 %(when)s 答复（%(answer)s），不能重复答复；如需变更请联系工作人员。") % {
            "when": services.deadline_display(inv.replied_at) if inv.replied_at else "—",
            "answer": inv.get_status_display()})
        return False
    if not form.is_valid():
        return False
    try:
        draw_services.reply(inv, actor=actor, answer=form.cleaned_data["answer"],
                            reason=form.cleaned_data["reason"], via=via)
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied):
            form.add_error(None, str(exc) or _("您无权答复此邀请。"))
        else:
            put_service_errors(form, exc)
        return False
    messages.success(request, ANSWER_MESSAGES[form.cleaned_data["answer"]])
    return True


# ---------------------------------------------------------------------------
# public: the signed link


def invitation_respond(request, token):  # public (the signed token is the credential)
    try:
        inv = services.invitation_from_token(token)
    except Invitation.DoesNotExist:
        return render(request, "experts/invitations/bad_link.html", status=404)
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if _reply(request, inv, form, actor=inv.expert.user, via="link"):
            return redirect("experts:invitation-respond", token=token)
        inv.refresh_from_db()
    else:
        form = ReplyForm()
    ctx = _invitation_context(inv, timezone.now())
    ctx.update(form=form, action=reverse("experts:invitation-respond", args=[token]), public=True)
    return render(request, "experts/invitations/respond.html", ctx, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------
# the logged-in expert


@login_required
def my_invitations(request):
    ctx = paginate(request, services.my_invitations(request.user), PAGE_SIZE)
    now = timezone.now()
    for inv in ctx["page_obj"].object_list:
        inv.deadline_display = services.deadline_display(inv.reply_by)
        inv.dates_display = services.engagement_dates_display(inv.draw)
        inv.can_answer = inv.status == Invitation.Status.INVITED and now <= inv.reply_by
    return render(request, "experts/invitations/my_invitations.html", ctx)


@login_required
def invitation_reply(request, pk):
    inv = services.invitation_for_user(request.user, pk)
    if inv is None:
        raise Http404
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if _reply(request, inv, form, actor=request.user, via="web"):
            return redirect("experts:invitation-reply", pk=inv.pk)
        inv.refresh_from_db()
    else:
        form = ReplyForm()
    ctx = _invitation_context(inv, timezone.now())
    ctx.update(form=form, action=reverse("experts:invitation-reply", args=[inv.pk]), public=False)
    return render(request, "experts/invitations/respond.html", ctx, status=400 if form.errors else 200)


@login_required
def my_ratings(request):
    ctx = paginate(request, services.my_ratings(request.user), PAGE_SIZE)
    for inv in ctx["page_obj"].object_list:
        inv.dates_display = services.engagement_dates_display(inv.draw)
        inv.score_rows = [(label, (inv.scores or {}).get(key)) for key, label in CRITERIA.items()
                          if (inv.scores or {}).get(key) is not None]
    return render(request, "experts/invitations/my_ratings.html", ctx)


# ---------------------------------------------------------------------------
# staff: evaluations


class EvaluateView(BodyPermissionMixin, View):
    body_permission = "manage_experts"

    def _draw(self, pk):
        return get_object_or_404(Draw.objects.select_related("body"), pk=pk, body=self.body)

    def _rows(self, draw, bound=None):
        rows = []
        for inv in evaluations.panel_for_evaluation(draw):
            if bound is not None and bound[0] == inv.pk:
                form = bound[1]
            else:
                form = EvaluationForm(prefix=f"e{inv.pk}", initial=EvaluationForm.initial_for(inv))
            rows.append({"invitation": inv, "form": form})
        return rows

    def _render(self, request, draw, rows, status=200):
        return render(request, "experts/invitations/evaluate.html", {
            "body": self.body, "draw": draw, "rows": rows, "criteria": list(CRITERIA.values()),
            "is_open": evaluations.evaluation_open(draw),
            "dates": services.engagement_dates_display(draw),
            "start_display": services.date_display(draw.engagement_start),
        }, status=status)

    def get(self, request, key, pk):
        draw = self._draw(pk)
        if request.GET.get("format") == "xlsx":
            return self._export(draw)
        return self._render(request, draw, self._rows(draw))

    def post(self, request, key, pk):
        draw = self._draw(pk)
        try:
            inv_pk = int(request.POST.get("invitation", ""))
        except ValueError:
            raise Http404
        inv = get_object_or_404(Invitation.objects.select_related("expert"), pk=inv_pk, draw=draw)
        form = EvaluationForm(request.POST, prefix=f"e{inv.pk}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["attendance"]:
                    evaluations.record_attendance(inv, actor=request.user, attendance=data["attendance"])
                if data["rating"]:
                    evaluations.rate(inv, actor=request.user, rating=data["rating"], scores=data["scores"],
                                     note=data["note"])
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("已保存 %(name)s 的出席情况和评价。") % {"name": inv.expert.public_name})
                return redirect("experts:draw-evaluate", key=self.body.key, pk=draw.pk)
        return self._render(request, draw, self._rows(draw, bound=(inv.pk, form)), status=400)

    def _export(self, draw):
        headers = [_("抽取序位"), _("姓名"), _("工作单位"), _("出席情况"), _("评价"),
                   *[str(label) for label in CRITERIA.values()], _("评价说明"), _("评价时间")]
        rows = []
        for inv in evaluations.panel_for_evaluation(draw):
            rows.append([
                inv.rank or "", inv.expert.public_name, inv.expert.public_employer,
                inv.get_attendance_display() if inv.attendance else "",
                inv.get_rating_display() if inv.rating else "",
                *[(inv.scores or {}).get(key, "") for key in CRITERIA],
                inv.rating_note,
                timezone.localtime(inv.rated_at).strftime("%Y-%m-%d %H:%M") if inv.rated_at else "",
            ])
        return xlsx_response(f"evaluations-{draw.pk}.xlsx", _("专家评价"), headers, rows)


urlpatterns = [
    path("invitations/respond/<str:token>/", invitation_respond, name="invitation-respond"),  # public
    path("experts/invitations/", my_invitations, name="my-invitations"),
    path("experts/invitations/<int:pk>/", invitation_reply, name="invitation-reply"),
    path("experts/ratings/", my_ratings, name="my-ratings"),
    path("bodies/<slug:key>/draws/<int:pk>/evaluate/", EvaluateView.as_view(), name="draw-evaluate"),
]
