"""Views: public notices and objections (see experts/urls.py).

Public (no login): the notice list and page, the notice PDF, the objection form and its
receipt. Staff: publishing a notice (manage_experts) and handling objections
(manage_experts; supervisors read). Personal data of candidates never reaches a public
page: public views render the public snapshot columns of NoticeEntry only.
"""
import mimetypes
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from portal import workdays
from portal.excel import xlsx_response
from portal.forms import put_service_errors
from portal.middleware import client_ip
from portal.models import Body
from portal.pagination import paginate
from portal.pdf import render_pdf
from portal.permissions import has
from portal.ratelimit import PerIpLimit

from ..forms.notices import (DecideObjectionForm, NoticeFilterForm, ObjectionFilterForm, ObjectionForm,
                             PublishNoticeForm, ReasonForm)
from ..models import Notice, Objection
from ..selectors import notices as selectors
from ..services import notices as services
from ..services.objections import LETTER_RECIPIENTS, deadline_display

PUBLIC_PAGE_SIZE = 20
STAFF_PAGE_SIZE = 50
SESSION_RECEIPTS = "experts_objection_receipts"


# filings allowed per client IP on the public objection form (settings.QUORUM_OBJECTION_RATE)
OBJECTION_LIMIT = PerIpLimit("experts:objection-rate", "QUORUM_OBJECTION_RATE", (5, 3600))


def _notice_context(notice):
    snapshot = notice.policy_snapshot or {}
    return {
        "notice": notice,
        "body": notice.body,
        "ends_display": selectors.end_display(notice),
        "starts_on": notice.starts_on,
        "is_open": selectors.is_open(notice),
        "notice_workdays": snapshot.get("notice_workdays"),
        "decision_workdays": snapshot.get("objection_decision_workdays"),
        "count_publication_day": snapshot.get("count_publication_day", False),
    }


# ---------------------------------------------------------------------------
# public pages


def notice_list(request):  # public
    bodies = list(selectors.public_notice_bodies())
    form = NoticeFilterForm(request.GET or None, bodies=bodies)
    body_key = form.cleaned_data["body"] if form.is_bound and form.is_valid() else ""
    page = Paginator(selectors.public_notices(body_key=body_key or None), PUBLIC_PAGE_SIZE).get_page(
        request.GET.get("page"))
    now = timezone.now()
    for n in page.object_list:
        n.ends_display = selectors.end_display(n)
        n.is_open = selectors.is_open(n, now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "experts/notices/list.html", {
        "form": form, "page_obj": page, "notices": page.object_list, "query": query.urlencode()})


def notice_detail(request, pk):  # public
    notice = selectors.public_notice(pk)
    if notice is None:
        raise Http404
    ctx = _notice_context(notice)
    ctx["entries"] = selectors.public_notice_rows(notice)
    ctx["can_manage"] = has(request.user, "manage_experts", notice.body) or has(request.user, "supervise", notice.body)
    return render(request, "experts/notices/detail.html", ctx)


def notice_pdf(request, pk):  # public
    notice = selectors.public_notice(pk)
    if notice is None:
        raise Http404
    ctx = _notice_context(notice)
    ctx["entries"] = selectors.public_notice_rows(notice)
    ctx["published_on"] = timezone.localtime(notice.published_at).date()
    ctx["issuer"] = services.pool_settings(notice.body).certificate_issuer_zh or notice.body.name_zh
    pdf = render_pdf("experts/pdf/notice.html", ctx)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


def objection_new(request, pk):  # public (login optional)
    notice = selectors.public_notice(pk)
    if notice is None or notice.kind != Notice.Kind.ADMISSION:
        raise Http404
    ctx = _notice_context(notice)
    entries = selectors.open_entries(notice)
    if request.method == "POST":
        form = ObjectionForm(request.POST, request.FILES, entries=entries)
        ip = client_ip(request)
        if not selectors.is_open(notice):
            form.is_valid()
            form.add_error(None, _("公示已于 %(end)s 结束，不再受理异议。") % {"end": ctx["ends_display"]})
        elif OBJECTION_LIMIT.exceeded(ip):
            form.is_valid()
            form.add_error(None, _("提交过于频繁，请稍后再试。"))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                objection = services.file_objection(
                    notice, data["entry"], name=data["name"], contact=data["contact"], email=data["email"],
                    facts=data["facts"], evidence=data["evidence"], ip=ip, user=request.user)
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                OBJECTION_LIMIT.count(ip)
                receipts = request.session.get(SESSION_RECEIPTS, {})
                receipts[str(notice.pk)] = objection.receipt_no
                request.session[SESSION_RECEIPTS] = receipts
                return redirect("experts:objection-receipt", pk=notice.pk)
    else:
        initial = {}
        entry_id = request.GET.get("entry", "")
        if entry_id.isdigit():
            initial["entry"] = int(entry_id)
        if request.user.is_authenticated:
            initial.update(name=request.user.name, email=request.user.email)
        form = ObjectionForm(initial=initial, entries=entries)
    ctx["form"] = form
    return render(request, "experts/notices/objection_form.html", ctx)


def objection_receipt(request, pk):  # public: shows only the receipt number kept in this visitor's session
    notice = selectors.public_notice(pk)
    if notice is None:
        raise Http404
    receipt_no = request.session.get(SESSION_RECEIPTS, {}).get(str(notice.pk))
    if not receipt_no:
        return redirect(notice.get_absolute_url())
    ctx = _notice_context(notice)
    ctx["receipt_no"] = receipt_no
    return render(request, "experts/notices/objection_receipt.html", ctx)


# ---------------------------------------------------------------------------
# staff


class StaffMixin(View):
    """Resolve `self.body` from the URL's `key`; the user needs one of `body_permissions`.
    `self.can_manage` says whether they may act (manage_experts) or only read."""

    body_permissions = ("manage_experts",)

    def dispatch(self, request, *args, **kwargs):
        self.body = get_object_or_404(Body.objects.select_related("policy"), key=kwargs["key"], is_active=True)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not any(has(request.user, p, self.body) for p in self.body_permissions):
            raise PermissionDenied
        self.can_manage = has(request.user, "manage_experts", self.body)
        return super().dispatch(request, *args, **kwargs)


class PublishNoticeView(StaffMixin):
    template_name = "experts/notices/publish.html"

    def _form(self, data=None):
        queryset = selectors.publishable_applications(self.body)
        initial = {"applications": [a.pk for a in queryset], "title": services.default_title(self.body),
                   "text": services.default_text(self.body)}
        return PublishNoticeForm(data, initial=initial, queryset=queryset)

    def _render(self, form, status=200):
        period = services.notice_period(self.body)
        policy = self.body.policy
        return render(self.request, self.template_name, {
            "body": self.body, "form": form, "period": period, "period_display": workdays.format_deadline(period),
            "today": timezone.localdate(), "policy": policy,
            "has_candidates": bool(form.fields["applications"].queryset),
            "recent": selectors.body_notices(self.body),
        }, status=status)

    def get(self, request, *args, **kwargs):
        return self._render(self._form())

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                notice = services.publish_notice(self.body, form.cleaned_data["applications"], actor=request.user,
                                                 title=form.cleaned_data["title"], text=form.cleaned_data["text"])
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, _("公示 %(number)s 已发布，截止时间 %(end)s。") % {
                    "number": notice.number, "end": selectors.end_display(notice)})
                return redirect(notice.get_absolute_url())
        return self._render(form)


def _staff_objections(request, body):
    form = ObjectionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, selectors.staff_objections(body, status=filters.get("status", ""),
                                            overdue=filters.get("overdue", False), q=filters.get("q", ""))


class ObjectionListView(StaffMixin):
    body_permissions = ("manage_experts", "supervise")

    def get(self, request, *args, **kwargs):
        form, qs = _staff_objections(request, self.body)
        listing = paginate(request, qs, STAFF_PAGE_SIZE)
        for o in listing["page_obj"].object_list:
            o.decide_by_display = deadline_display(o.decide_by)
        return render(request, "experts/notices/objection_list.html", {
            "body": self.body, "form": form, "objections": listing["page_obj"].object_list,
            "can_manage": self.can_manage, **listing})


class ObjectionExportView(StaffMixin):
    body_permissions = ("manage_experts", "supervise")

    def get(self, request, *args, **kwargs):
        _form, qs = _staff_objections(request, self.body)
        headers = [_("回执编号"), _("公示编号"), _("被异议人选"), _("状态"), _("提交时间"), _("受理时间"),
                   _("处理期限"), _("是否超期"), _("处理时间"), _("异议人"), _("联系方式"), _("电子邮箱"),
                   _("受理意见"), _("处理结论和理由")]
        rows = (
            (o.receipt_no, o.notice.number, o.entry.public_name, o.get_status_display(), o.filed_at, o.accepted_at,
             deadline_display(o.decide_by), _("是") if o.is_overdue else _("否"), o.decided_at, o.objector_name,
             o.objector_contact, o.objector_email, o.acceptance_reason, o.decision_reason)
            for o in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(f"objections-{self.body.key}-{timezone.localdate():%Y%m%d}.xlsx", _("异议"), headers,
                             rows)


class ObjectionDetailView(StaffMixin):
    body_permissions = ("manage_experts", "supervise")
    template_name = "experts/notices/objection_detail.html"

    def get_objection(self):
        objection = selectors.staff_objection(self.body, self.kwargs["pk"])
        if objection is None:
            raise Http404
        return objection

    def render_detail(self, objection, status=200, **forms):
        forms.setdefault("accept_form", ReasonForm(prefix="accept", label=_("受理意见")))
        forms.setdefault("decline_form", ReasonForm(prefix="decline", label=_("不予受理理由")))
        forms.setdefault("decide_form", DecideObjectionForm(prefix="decide"))
        return render(self.request, self.template_name, {
            "body": self.body, "objection": objection, "notice": objection.notice, "entry": objection.entry,
            "can_manage": self.can_manage, "decide_by_display": deadline_display(objection.decide_by),
            "notice_end_display": selectors.end_display(objection.notice),
            "has_letter": objection.status in (Objection.Status.UPHELD, Objection.Status.DISMISSED,
                                               Objection.Status.NOT_ACCEPTED),
            **forms}, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_detail(self.get_objection())


class ObjectionActionView(ObjectionDetailView):
    """POST-only actions on an objection (accept / decline / decide)."""

    body_permissions = ("manage_experts",)
    action = None
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        objection = self.get_objection()
        if self.action == "decide":
            form = DecideObjectionForm(request.POST, prefix="decide")
            form_name = "decide_form"
        else:
            label = _("受理意见") if self.action == "accept" else _("不予受理理由")
            form = ReasonForm(request.POST, prefix=self.action, label=label)
            form_name = f"{self.action}_form"
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if self.action == "accept":
                    services.accept_objection(objection, actor=request.user, reason=reason)
                    message = _("已受理异议 %(no)s。")
                elif self.action == "decline":
                    services.decline_objection(objection, actor=request.user, reason=reason)
                    message = _("异议 %(no)s 不予受理，已告知异议人。")
                else:
                    services.decide_objection(objection, actor=request.user, upheld=form.upheld, reason=reason)
                    message = _("异议 %(no)s 已作出处理决定，已书面告知异议人和专家本人。")
            except ValidationError as exc:
                put_service_errors(form, exc)
            else:
                messages.success(request, message % {"no": objection.receipt_no})
                return redirect("experts:objection-detail", key=self.body.key, pk=objection.pk)
        return self.render_detail(objection, **{form_name: form})


class ObjectionEvidenceView(ObjectionDetailView):
    def get(self, request, *args, **kwargs):
        objection = self.get_objection()
        if not objection.evidence:
            raise Http404
        name = Path(objection.evidence.name).name
        try:
            handle = objection.evidence.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(handle, as_attachment=True, filename=f"{objection.receipt_no}{Path(name).suffix}",
                            content_type=content_type)


def objection_letter(request, key, pk):
    """The written decision as PDF. Staff (manage_experts / supervise) read both letters; the
    candidate reads the letter addressed to them, a logged-in objector theirs."""
    body = get_object_or_404(Body, key=key, is_active=True)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    objection = selectors.objection_for_letter(body, pk)
    if objection is None:
        raise Http404
    to = request.GET.get("to", "objector")
    if to not in LETTER_RECIPIENTS:
        raise Http404
    staff = has(request.user, "manage_experts", body) or has(request.user, "supervise", body)
    own = ((to == "expert" and objection.entry.application.applicant_id == request.user.pk)
           or (to == "objector" and objection.objector_user_id == request.user.pk))
    if not (staff or own):
        raise PermissionDenied
    try:
        pdf = services.objection_letter_pdf(objection, to=to)
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="objection-{objection.receipt_no}-{to}.pdf"'
    return response


urlpatterns = [
    path("notices/", notice_list, name="notice-list"),  # public
    path("notices/<int:pk>/", notice_detail, name="notice-detail"),  # public
    path("notices/<int:pk>/notice.pdf", notice_pdf, name="notice-pdf"),  # public
    path("notices/<int:pk>/objections/new/", objection_new, name="objection-new"),  # public
    path("notices/<int:pk>/objections/receipt/", objection_receipt, name="objection-receipt"),  # public
    path("bodies/<slug:key>/notices/new/", PublishNoticeView.as_view(), name="notice-publish"),
    path("bodies/<slug:key>/objections/", ObjectionListView.as_view(), name="objection-list"),
    path("bodies/<slug:key>/objections/export.xlsx", ObjectionExportView.as_view(), name="objection-export"),
    path("bodies/<slug:key>/objections/<int:pk>/", ObjectionDetailView.as_view(), name="objection-detail"),
    path("bodies/<slug:key>/objections/<int:pk>/accept/", ObjectionActionView.as_view(action="accept"),
         name="objection-accept"),
    path("bodies/<slug:key>/objections/<int:pk>/decline/", ObjectionActionView.as_view(action="decline"),
         name="objection-decline"),
    path("bodies/<slug:key>/objections/<int:pk>/decide/", ObjectionActionView.as_view(action="decide"),
         name="objection-decide"),
    path("bodies/<slug:key>/objections/<int:pk>/evidence/", ObjectionEvidenceView.as_view(),
         name="objection-evidence"),
    path("bodies/<slug:key>/objections/<int:pk>/letter.pdf", objection_letter, name="objection-letter"),
]
