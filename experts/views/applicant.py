"""Views: applicant (see experts/urls.py). Apply to a body with an open call, fill in and
submit the application, follow it on a timeline, withdraw, download own attachments."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.permissions import has

from .. import eligibility
from ..forms.applicant import SECTIONS, ApplicationForm, WithdrawForm
from ..models import Application, ExpertProfile
from ..selectors import applications_own as selectors
from ..services import applications as services
from ..workflows import APPLICATION_FLOW

PAGE_SIZE = 25
SECTION_TITLES = {key: title for key, title, _names in SECTIONS}
STAFF_PERMS = ("manage_experts", "approve", "supervise")

NEXT_STEPS = {
    Application.Status.DRAFT: _("请完善各部分信息、上传证明材料后提交申请。"),
    Application.Status.SUBMITTED: _("申请已提交，请等待秘书处审核。审核结果会通过站内消息和邮件通知您。"),
    Application.Status.RETURNED: _("申请被退回修改：请按各部分的退回意见修改后重新提交。"),
    Application.Status.VERIFIED: _("所在单位已核实，请等待秘书处审核。"),
    Application.Status.FORWARDED: _("秘书处已审核通过，正在等待审批。"),
    Application.Status.APPROVED: _("申请已获批准，将在公示后入库。"),
    Application.Status.IN_NOTICE: _("您正在公示中。公示期满无异议即可入库。"),
    Application.Status.ADMITTED: _("您已入库，可在“我的专家聘任”中查看和下载聘书。"),
    Application.Status.REJECTED: _("申请未通过，原因见下方办理记录。"),
    Application.Status.STOPPED: _("公示期间异议成立，入库已终止。"),
    Application.Status.WITHDRAWN: _("申请已撤回。如需再次申请，请在征集开放时重新填写。"),
}


def apply_list(request):  # public: bodies with an open call and their eligibility rules
    bodies = list(selectors.open_calls())
    for body in bodies:
        body.rule_groups = selectors.group_rules(body.rules)
    return render(request, "experts/applicant/apply_list.html", {"bodies": bodies})


@login_required
@require_http_methods(["GET", "POST"])
def apply_body(request, key):
    """The body's call and rules; POST starts (or reopens) the user's application."""
    body = selectors.body_for_application(key)
    if body is None:
        raise Http404
    existing = (Application.objects.filter(body=body, applicant=request.user, status__in=services.LIVE)
                .only("pk", "status").first())
    if request.method == "POST":
        try:
            application = services.start_application(body, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("experts:apply-body", key=body.key)
        return redirect("experts:application-edit", pk=application.pk)
    return render(request, "experts/applicant/apply_body.html", {
        "body": body, "calls": body.open_calls, "rule_groups": selectors.group_rules(body.rules),
        "existing": existing,
        "next_window": None if body.open_calls else _next_window(body)})


def _next_window(body):
    from ..services.terms import next_window  # lifecycle-exit: the closed message names the next window

    return next_window(body)


@login_required
def my_applications(request):
    page = Paginator(selectors.my_applications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "experts/applicant/my_applications.html", {
        "page_obj": page, "applications": page.object_list})


def _own(request, pk):
    application = selectors.own_application(request.user, pk)
    if application is None:
        raise Http404
    return application


def _checklist(application):
    """What would still stop submission (a read-only preview): missing items, then failed
    eligibility rules, each with its clause."""
    missing = services.completeness_errors(application)
    report = eligibility.evaluate(application, timezone.localdate())
    labels = {f.name: f.verbose_name for f in ExpertProfile._meta.get_fields() if hasattr(f, "verbose_name")}
    labels.update(fields=_("专业领域"), attachments=SECTION_TITLES["attachments"])
    items = [f"{labels.get(name, name)}：{message}" for name, msgs in missing.items() for message in msgs]
    return items + report.messages


@login_required
def application_detail(request, pk):
    application = _own(request, pk)
    editable = application.status in services.EDITABLE
    return render(request, "experts/applicant/application_detail.html", {
        "application": application,
        "profile": application.profile,
        "body": application.body,
        "attachments": list(application.attachments.all()),
        "fields": list(application.fields.all()),
        "timeline": _with_section_titles(selectors.timeline(application)),
        "next_step": NEXT_STEPS.get(application.status, ""),
        "editable": editable,
        "can_withdraw": APPLICATION_FLOW.can(application, to=Application.Status.WITHDRAWN,
                                                      actor=request.user),
        "comments": _comments(application),
        "checklist": _checklist(application) if editable else [],
    })


def _with_section_titles(rows):
    for row in rows:
        comments = row["data"].get("comments")
        row["comments"] = ([(SECTION_TITLES.get(k, k), v) for k, v in comments.items() if v]
                           if isinstance(comments, dict) else [])
    return rows


def _comments(application):
    if application.status != Application.Status.RETURNED:
        return []
    return [(SECTION_TITLES.get(k, k), v) for k, v in (application.return_comments or {}).items() if v]


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = _own(request, pk)
    if application.status not in services.EDITABLE:
        messages.info(request, _("申请当前状态为“%(status)s”，不能修改。") % {
            "status": application.get_status_display()})
        return redirect(application)
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES, application=application)
        action = request.POST.get("action", "save")
        remove = request.POST.get("remove")
        if form.is_valid():
            response = _save(request, form, application, action, remove)
            if response is not None:
                return response
    else:
        form = ApplicationForm(application=application)
    return render(request, "experts/applicant/application_form.html", {
        "application": application, "body": application.body, "form": form,
        "sections": form.sections(application.return_comments if application.status == "returned" else {}),
        "field_tree": form.field_tree(), "attachments": list(application.attachments.all()),
        "checklist": _checklist(application),
    })


def _save(request, form, application, action, remove):
    """Save the draft (+ upload / removal), then submit when asked. Returns a redirect, or
    None to re-render the form with the service's errors on it."""
    try:
        services.save_draft(application, actor=request.user, profile_data=form.profile_data(),
                            fields=form.chosen_fields(), field_years=form.cleaned_data.get("field_years"),
                            statement=form.cleaned_data.get("statement", ""))
        upload = form.upload()
        if upload:
            services.add_attachment(application, actor=request.user, kind=upload[0], upload=upload[1])
        if remove:
            attachment = application.attachments.filter(pk=remove if str(remove).isdigit() else None).first()
            if attachment is None:
                raise Http404
            services.remove_attachment(attachment, actor=request.user)
            messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name})
            return redirect(reverse("experts:application-edit", args=[application.pk]) + "#section-attachments")
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    if action != "submit":
        messages.success(request, _("草稿已保存。"))
        return redirect("experts:application-edit", pk=application.pk)
    try:
        services.submit(application, actor=request.user)
    except ValidationError as exc:
        form.add_service_errors(exc)
        messages.warning(request, _("草稿已保存，但申请还不能提交，请按提示补充或修改。"))
        return None
    messages.success(request, _("申请已提交。审核进展会通过站内消息和邮件通知您。"))
    return redirect(application)


@login_required
@require_POST
def application_submit(request, pk):
    application = _own(request, pk)
    try:
        services.submit(application, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("experts:application-edit", pk=application.pk)
    messages.success(request, _("申请已提交。审核进展会通过站内消息和邮件通知您。"))
    return redirect(application)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = _own(request, pk)
    if not APPLICATION_FLOW.can(application, to=Application.Status.WITHDRAWN, actor=request.user):
        messages.info(request, _("申请当前状态为“%(status)s”，不能撤回。") % {
            "status": application.get_status_display()})
        return redirect(application)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.withdraw(application, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("申请已撤回。"))
        return redirect(application)
    return render(request, "experts/applicant/application_withdraw.html", {
        "application": application, "body": application.body, "form": form})


@login_required
def attachment_download(request, pk):
    """Stream a private attachment: to its owner, or to staff of the body (manage_experts,
    approve, supervise). Anyone else gets 404, so existence is not revealed."""
    attachment = selectors.attachment_with_body(pk)
    if attachment is None:
        raise Http404
    application = attachment.application
    user = request.user
    if user.pk != application.applicant_id and not any(has(user, p, application.body) for p in STAFF_PERMS):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


urlpatterns = [
    path("experts/apply/", apply_list, name="apply"),  # public
    path("experts/apply/<slug:key>/", apply_body, name="apply-body"),
    path("experts/applications/", my_applications, name="my-applications"),
    path("experts/applications/<int:pk>/", application_detail, name="application-detail"),
    path("experts/applications/<int:pk>/edit/", application_edit, name="application-edit"),
    path("experts/applications/<int:pk>/submit/", application_submit, name="application-submit"),
    path("experts/applications/<int:pk>/withdraw/", application_withdraw, name="application-withdraw"),
    path("experts/attachments/<int:pk>/", attachment_download, name="attachment-download"),
]
