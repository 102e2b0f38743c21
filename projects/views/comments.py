"""Views of the comment rounds (征求意见); URLs in projects/urls_comments.py (namespace "comments").

Public (no login): the list of public rounds, a public round's page and draft, and the public
comment form (rate-limited per client IP, like the objection form). Invited respondents (by
account or by the e-mail they sign in with): their comments row by row, edits until the
deadline, the Excel upload and how each comment was handled. Staff (manage_projects on the
body): open rounds, invite, disposition comments, export the summary form.
"""
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from portal.forms import put_service_errors
from portal.middleware import client_ip
from portal.models import Body
from portal.pagination import paginate
from portal.pdf import render_pdf
from portal.permissions import has, users_with
from portal.ratelimit import PerIpLimit

from .. import selectors_comments as selectors
from ..forms_comments import (CommentFilterForm, CommentForm, DisposeForm, InviteForm, OpenRoundForm,
                              PublicCommentForm, UploadForm)
from ..models import Comment, CommentRound
from ..services import comments as services

PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_PUBLIC = "projects_public_comments"
MAX_SESSION_COMMENTS = 200


# comments allowed per client IP on the public comment form (settings.QUORUM_COMMENT_RATE)
COMMENT_LIMIT = PerIpLimit("projects:comment-rate", "QUORUM_COMMENT_RATE", (10, 3600))


def _round_context(rnd, user=None, now=None):
    now = now or timezone.now()
    return {"round": rnd, "body": rnd.body, "deadline_display": services.deadline_display(rnd),
            "is_open": rnd.is_open_at(now)}


def _get_round(pk):
    return get_object_or_404(CommentRound.objects.select_related("body"), pk=pk, body__is_active=True)


# ---------------------------------------------------------------------------
# public and respondents


def index(request):  # public: public rounds; signed-in users also see rounds they are invited to
    ctx = paginate(request, selectors.public_rounds(), PUBLIC_PAGE_SIZE)
    now = timezone.now()
    for r in ctx["page_obj"].object_list:
        r.deadline_display = services.deadline_display(r)
        r.is_open = r.is_open_at(now)
    invited = list(selectors.invited_rounds(request.user)[:50])
    for r in invited:
        r.deadline_display = services.deadline_display(r)
        r.is_open = r.is_open_at(now)
    ctx.update(invited=invited, staff_bodies=list(_staff_bodies(request.user)))
    return render(request, "projects/comments/index.html", ctx)


def _staff_bodies(user):
    from portal.permissions import bodies_for

    return bodies_for(user, services.STAFF_PERM).filter(runs__contains=["comment_rounds"]).order_by("order")


def _readable_round(request, pk):
    """The round if the visitor may read it; anonymous visitors of a non-public round are sent
    to log in; others get 404 (a non-public round is not disclosed)."""
    rnd = _get_round(pk)
    if rnd.is_public or services.may_read(rnd, request.user):
        return rnd, None
    if not request.user.is_authenticated:
        return rnd, redirect_to_login(request.get_full_path())
    raise Http404


def round_detail(request, pk):  # public when the round is public
    rnd, redirect_response = _readable_round(request, pk)
    if redirect_response:
        return redirect_response
    ctx = _round_context(rnd)
    ctx.update(can_comment=services.may_comment(rnd, request.user), is_staff=services.is_staff(request.user, rnd))
    return render(request, "projects/comments/round.html", ctx)


def draft_download(request, pk):  # public when the round is public
    rnd, redirect_response = _readable_round(request, pk)
    if redirect_response:
        return redirect_response
    try:
        handle = rnd.draft.open("rb")
    except FileNotFoundError:
        raise Http404
    return FileResponse(handle, as_attachment=True, filename=rnd.draft_name, content_type=rnd.draft_content_type)


def public_comment(request, pk):  # public: only rounds open to the public
    rnd = _get_round(pk)
    if not rnd.is_public:
        raise Http404
    ctx = _round_context(rnd)
    if request.method == "POST":
        form = PublicCommentForm(request.POST)
        ip = client_ip(request)
        if not ctx["is_open"]:
            form.is_valid()
            form.add_error(None, _("本次征求意见已于 %(end)s 截止，不再接受意见。") % {"end": ctx["deadline_display"]})
        elif COMMENT_LIMIT.exceeded(ip):
            form.is_valid()
            form.add_error(None, _("提交过于频繁，请稍后再试。"))
        elif form.is_valid():
            try:
                created = services.submit_public_comment(rnd, ip=ip, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                COMMENT_LIMIT.count(ip)
                mine = request.session.get(SESSION_PUBLIC, {})
                mine[str(rnd.pk)] = [*mine.get(str(rnd.pk), []), created.pk][-MAX_SESSION_COMMENTS:]
                request.session[SESSION_PUBLIC] = mine
                messages.success(request, _("您的意见已提交，谢谢！处理结果将在意见汇总处理表中体现。"))
                return redirect("comments:public-comment", pk=rnd.pk)
    else:
        initial = {"name": request.user.name} if request.user.is_authenticated else {}
        form = PublicCommentForm(initial=initial)
    ctx["form"] = form
    # what this visitor submitted from this browser, with how each was handled
    ctx["mine"] = selectors.comments_by_ids(rnd, request.session.get(SESSION_PUBLIC, {}).get(str(rnd.pk), []))
    return render(request, "projects/comments/public_comment.html", ctx)


def _respondent_round(request, pk):
    rnd = _get_round(pk)
    if not request.user.is_authenticated:
        return rnd, None, redirect_to_login(request.get_full_path())
    invitation = services.invitation_for(rnd, request.user)
    if invitation is None:
        if rnd.is_public:
            return rnd, None, redirect("comments:public-comment", pk=rnd.pk)
        raise PermissionDenied(_("您未被邀请对该文件提出意见。"))
    return rnd, invitation, None


def respond(request, pk):
    """An invited respondent's page: their comments with how each was handled, and a form to add one."""
    rnd, invitation, early = _respondent_round(request, pk)
    if early:
        return early
    ctx = _round_context(rnd)
    initial = {"name": request.user.name, "unit": invitation.unit}
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.submit_comment(rnd, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("意见已保存。截止前您可以继续补充或修改。"))
                return redirect("comments:respond", pk=rnd.pk)
    else:
        last = Comment.objects.filter(round=rnd, respondent=request.user).order_by("-submitted_at").first()
        if last:
            initial.update(name=last.submitter_name or request.user.name, unit=last.submitter_unit)
        form = CommentForm(initial=initial)
    ctx.update(paginate(request, selectors.own_comments(rnd, request.user), PAGE_SIZE))
    ctx.update(form=form, comments=ctx["page_obj"].object_list, invitation=invitation)
    return render(request, "projects/comments/respond.html", ctx)


def _own_comment(request, pk, cid):
    rnd, _invitation, early = _respondent_round(request, pk)
    if early:
        return rnd, None, early
    comment = get_object_or_404(Comment, pk=cid, round=rnd, respondent=request.user)
    return rnd, comment, None


def edit_comment(request, pk, cid):
    rnd, comment, early = _own_comment(request, pk, cid)
    if early:
        return early
    ctx = _round_context(rnd)
    if request.method == "POST":
        form = CommentForm(request.POST, with_from=False)
        if form.is_valid():
            try:
                services.update_comment(comment, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("意见已修改。"))
                return redirect("comments:respond", pk=rnd.pk)
    else:
        form = CommentForm(with_from=False, initial={
            "clause": comment.clause, "content": comment.content, "proposed_change": comment.proposed_change,
            "reason": comment.reason})
    ctx.update(form=form, comment=comment)
    return render(request, "projects/comments/edit.html", ctx)


@require_POST
def delete_comment(request, pk, cid):
    rnd, comment, early = _own_comment(request, pk, cid)
    if early:
        return early
    try:
        services.withdraw_comment(comment, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("意见已删除。"))
    return redirect("comments:respond", pk=rnd.pk)


def upload(request, pk):
    rnd, invitation, early = _respondent_round(request, pk)
    if early:
        return early
    ctx = _round_context(rnd)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.import_comments(rnd, data["file"], actor=request.user, name=data["name"],
                                                   unit=data["unit"])
            except services.SheetError as exc:
                ctx["row_errors"] = exc.messages
                form.add_error("file", _("文件中有 %(n)s 处错误，未保存任何意见；请修改后重新上传。") % {
                    "n": len(exc.messages)})
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("已导入 %(n)s 条意见。") % {"n": len(created)})
                return redirect("comments:respond", pk=rnd.pk)
    else:
        form = UploadForm(initial={"name": request.user.name, "unit": invitation.unit})
    ctx["form"] = form
    return render(request, "projects/comments/upload.html", ctx)


def sheet_template(request, pk):
    rnd, _invitation, early = _respondent_round(request, pk)
    if early:
        return early
    resp = HttpResponse(services.template_workbook(rnd), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="comment-form-{rnd.pk}.xlsx"'
    return resp


def my_comments(request):
    """Every comment the signed-in user made, with its disposition."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    qs = Comment.objects.filter(respondent=request.user).select_related("round__body").order_by(
        "-submitted_at", "-id")
    ctx = paginate(request, qs, PAGE_SIZE)
    return render(request, "projects/comments/mine.html", ctx)


# ---------------------------------------------------------------------------
# staff


class StaffMixin(View):
    """`self.body` from the URL's key; the user needs manage_projects on it. `self.round` when
    the URL names one (of that body, else 404)."""

    def dispatch(self, request, *args, **kwargs):
        self.body = get_object_or_404(Body.objects.select_related("policy"), key=kwargs["key"], is_active=True)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has(request.user, services.STAFF_PERM, self.body):
            raise PermissionDenied
        self.round = None
        if "pk" in kwargs:
            self.round = get_object_or_404(CommentRound.objects.select_related("body"), pk=kwargs["pk"],
                                           body=self.body)
        return super().dispatch(request, *args, **kwargs)

    def invitees(self):
        """Member units' accounts (take_part on the body), as a queryset for the form."""
        from portal.models import User

        return User.objects.filter(pk__in=[u.pk for u in users_with("take_part", self.body)]).order_by("name", "pk")


class StaffRoundList(StaffMixin):
    def get(self, request, *args, **kwargs):
        ctx = paginate(request, selectors.staff_rounds(self.body), PAGE_SIZE)
        now = timezone.now()
        for r in ctx["page_obj"].object_list:
            r.deadline_display = services.deadline_display(r)
            r.is_open = r.is_open_at(now)
        ctx["body"] = self.body
        return render(request, "projects/comments/staff_list.html", ctx)


class OpenRoundView(StaffMixin):
    def _render(self, form):
        value = str(form["workdays_count"].value() or "")
        n = int(value) if value.isdigit() and 1 <= int(value) <= services.MAX_WORKDAYS else 10
        period = services.round_period(self.body, n)
        return render(self.request, "projects/comments/staff_open.html", {
            "body": self.body, "form": form, "today": timezone.localdate(),
            "period_display": services.workdays.format_deadline(period), "period": period})

    def get(self, request, *args, **kwargs):
        return self._render(OpenRoundForm(invitees=self.invitees()))

    def post(self, request, *args, **kwargs):
        form = OpenRoundForm(request.POST, request.FILES, invitees=self.invitees())
        if form.is_valid():
            data = form.cleaned_data
            try:
                rnd = services.open_round(
                    self.body, actor=request.user, title=data["title"], number=data["number"],
                    description=data["description"], draft=data["draft"], workdays_count=data["workdays_count"],
                    is_public=data["is_public"], users=data["users"], emails=data["emails"])
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("征求意见已发布，截止时间 %(end)s。") % {
                    "end": services.deadline_display(rnd)})
                return redirect("comments:staff-round", key=self.body.key, pk=rnd.pk)
        return self._render(form)


class StaffRoundView(StaffMixin):
    def get(self, request, *args, **kwargs):
        rnd = self.round
        form = CommentFilterForm(request.GET or None)
        disposition = form.cleaned_data["disposition"] if form.is_bound and form.is_valid() else ""
        ctx = paginate(request, selectors.round_comments(rnd, disposition=disposition), PAGE_SIZE)
        page_comments = list(ctx["page_obj"].object_list)
        if disposition:
            for c in page_comments:
                c.seq = None
        else:
            selectors.numbered(rnd, page_comments)
        counts = selectors.counts(rnd)
        ctx.update(_round_context(rnd))
        ctx.update(comments=page_comments, filter_form=form, counts=counts,
                   counts_line=services.counts_line(counts), invitations=list(selectors.invitations(rnd)))
        return render(request, "projects/comments/staff_round.html", ctx)


class InviteView(StaffMixin):
    def _render(self, form):
        ctx = _round_context(self.round)
        ctx["form"] = form
        return render(self.request, "projects/comments/staff_invite.html", ctx)

    def get(self, request, *args, **kwargs):
        return self._render(InviteForm(invitees=self.invitees()))

    def post(self, request, *args, **kwargs):
        form = InviteForm(request.POST, invitees=self.invitees())
        if form.is_valid():
            try:
                new = services.invite(self.round, actor=request.user, users=form.cleaned_data["users"],
                                      emails=form.cleaned_data["emails"])
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("已发出 %(n)s 份邀请。") % {"n": len(new)})
                return redirect("comments:staff-round", key=self.body.key, pk=self.round.pk)
        return self._render(form)


class DisposeView(StaffMixin):
    def _comment(self):
        return get_object_or_404(Comment.objects.select_related("disposed_by"), pk=self.kwargs["cid"],
                                 round=self.round)

    def _next(self):
        nxt = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={self.request.get_host()}):
            return nxt
        return reverse("comments:staff-round", args=[self.body.key, self.round.pk])

    def _render(self, form, comment):
        ctx = _round_context(self.round)
        ctx.update(form=form, comment=comment, next=self._next())
        return render(self.request, "projects/comments/staff_dispose.html", ctx)

    def get(self, request, *args, **kwargs):
        comment = self._comment()
        initial = {"disposition": comment.disposition if comment.disposition != Comment.Disposition.PENDING else None,
                   "reason": comment.disposition_reason}
        return self._render(DisposeForm(initial=initial), comment)

    def post(self, request, *args, **kwargs):
        comment = self._comment()
        form = DisposeForm(request.POST)
        if form.is_valid():
            try:
                services.dispose_comment(comment, actor=request.user, disposition=form.cleaned_data["disposition"],
                                         reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("处理意见已保存。"))
                return redirect(self._next())
        return self._render(form, comment)


def _summary(rnd):
    comments = selectors.summary_comments(rnd)
    counts = services.summary_counts(comments)
    return comments, counts


class SummaryExcelView(StaffMixin):
    def get(self, request, *args, **kwargs):
        comments, _counts = _summary(self.round)
        resp = HttpResponse(services.summary_workbook(self.round, comments), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="comment-summary-{self.round.pk}.xlsx"'
        return resp


class SummaryPdfView(StaffMixin):
    def get(self, request, *args, **kwargs):
        rnd = self.round
        comments, counts = _summary(rnd)
        pdf = render_pdf("pdf/comment_summary.html", {
            "round": rnd, "body": rnd.body, "title": services.summary_title(rnd),
            "rows": services.summary_rows(comments),
            "counts_line": services.counts_line(counts), "counts": counts,
            "deadline_display": services.deadline_display(rnd), "today": timezone.localdate()})
        resp = HttpResponse(pdf, content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="comment-summary-{rnd.pk}.pdf"'
        return resp
