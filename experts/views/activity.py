"""Views: the staff side of the experts' activity (manage_experts on the body): change reports
(acknowledge, record a noticed change, proof download), the proposal completion table with its
export, prior reports (acknowledge or object), training sessions with attendance, and the
annual assessment rounds (open, review rows, sign off, export)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from portal import workdays
from portal.excel import xlsx_response
from portal.pagination import paginate
from portal.permissions import BodyPermissionMixin

from ..forms.activity import ChangeReportForm, DecisionForm, OpenRoundForm, ReviewRowForm, TrainingSessionForm
from ..models import AssessmentRound, AssessmentRow, ChangeReport, Expert, PriorReport, TrainingSession
from ..selectors import stats as selectors
from ..services import assessment, changes, reports, training
from .selfservice import errors_to_form

PAGE_SIZE = 25


def _messages_of(exc):
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


class StaffView(BodyPermissionMixin, View):
    body_permission = "manage_experts"


# ---------------------------------------------------------------------------
# change reports


class ChangeListView(StaffView):
    def get(self, request, key):
        status = request.GET.get("status", ChangeReport.Status.FILED)
        qs = ChangeReport.objects.filter(expert__body=self.body).select_related("expert", "filed_by")
        if status in ChangeReport.Status.values:
            qs = qs.filter(status=status)
        ctx = paginate(request, qs.order_by("-filed_at", "-pk"), PAGE_SIZE)
        for r in ctx["page_obj"].object_list:
            r.due_display = workdays.format_deadline(r.due_date)
        ctx.update(body=self.body, status=status, statuses=ChangeReport.Status.choices)
        return render(request, "experts/self/staff_changes.html", ctx)


class ChangeAcknowledgeView(StaffView):
    def post(self, request, key, pk):
        report = get_object_or_404(ChangeReport, pk=pk, expert__body=self.body)
        try:
            changes.acknowledge(report, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("已确认变更并更新专家信息。"))
        return redirect("experts:change-list", key=key)


class ChangeProofView(StaffView):
    def get(self, request, key, pk):
        report = get_object_or_404(ChangeReport, pk=pk, expert__body=self.body)
        if not report.proof:
            raise Http404
        try:
            handle = report.proof.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(handle, as_attachment=True, filename=report.proof.name.rsplit("/", 1)[-1])


class ChangeRecordLookupView(StaffView):
    """From the change list: find the expert by certificate number, then record their change."""

    def get(self, request, key):
        number = (request.GET.get("certificate") or "").strip()
        expert = Expert.objects.filter(body=self.body, certificate_no=number).only("pk").first() if number else None
        if expert is None:
            messages.error(request, _("本专家库中没有证书编号为“%(no)s”的专家。") % {"no": number})
            return redirect("experts:change-list", key=key)
        return redirect("experts:change-record", key=key, pk=expert.pk)


class ChangeRecordView(StaffView):
    def _expert(self, pk):
        return get_object_or_404(Expert.objects.select_related("profile", "body__policy"), pk=pk, body=self.body)

    def _render(self, request, expert, form):
        return render(request, "experts/self/form.html", {
            "form": form, "body": self.body, "expert": expert, "title": _("记录发现的信息变更"), "staff": True,
            "intro": _("工作人员发现专家的工作单位、职务或职称已变更的，可直接记录；超过报告期限（%(n)s 个工作日）的标记为逾期。") % {
                "n": self.body.policy.change_report_workdays}}, status=400 if form.errors else 200)

    def get(self, request, key, pk):
        return self._render(request, self._expert(pk), ChangeReportForm(staff=True))

    def post(self, request, key, pk):
        expert = self._expert(pk)
        form = ChangeReportForm(request.POST, staff=True)
        if form.is_valid():
            d = form.cleaned_data
            try:
                report = changes.record_noticed_change(
                    expert, actor=request.user, kind=d["kind"], new_value=d["new_value"],
                    effective_date=d["effective_date"], note=d["note"], new_title_level=d["new_title_level"])
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已记录变更（逾期报告）。") if report.is_late else _("已记录变更。"))
                return redirect("experts:expert-detail", key=key, pk=expert.pk)
        return self._render(request, expert, form)


# ---------------------------------------------------------------------------
# proposals


class ProposalCompletionView(StaffView):
    def get(self, request, key):
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year", today.year))
        except ValueError:
            year = today.year
        experts = selectors.completion_experts(self.body)
        if request.GET.get("format") == "xlsx":
            return self._export(year, experts)
        ctx = paginate(request, experts, PAGE_SIZE)
        ctx.update(body=self.body, year=year, years=list(range(today.year, today.year - 4, -1)),
                   needed=self.body.policy.proposals_per_quarter,
                   rows=selectors.completion_rows(self.body, year, list(ctx["page_obj"].object_list), today=today))
        return render(request, "experts/self/staff_proposals.html", ctx)

    def _export(self, year, experts):
        needed = self.body.policy.proposals_per_quarter
        experts = list(experts)
        counts = selectors.proposal_completion(self.body, year, experts)
        headers = [_("证书编号"), _("姓名"), _("工作单位")]
        for q in range(1, 5):
            headers += [_("第%(q)s季度建议数") % {"q": q}, _("第%(q)s季度达标") % {"q": q}]
        rows = []
        for e in experts:
            row = [e.certificate_no, e.public_name, e.public_employer]
            for n in counts[e.pk]:
                row += [n, _("是") if n >= needed else _("否")]
            rows.append(row)
        return xlsx_response(f"proposals-{self.body.key}-{year}.xlsx", _("季度建议完成情况"), headers, rows)


# ---------------------------------------------------------------------------
# prior reports (报备)


class ReportListView(StaffView):
    def get(self, request, key, pk=None, form=None, form_pk=None, status=200):
        qs = PriorReport.objects.filter(expert__body=self.body).select_related("expert", "decided_by")
        ctx = paginate(request, qs.order_by("-filed_at", "-pk"), PAGE_SIZE)
        for r in ctx["page_obj"].object_list:
            r.form = form if form_pk == r.pk else DecisionForm(prefix=f"r{r.pk}")
        ctx["body"] = self.body
        return render(request, "experts/self/staff_reports.html", ctx, status=status)

    def post(self, request, key, pk=None):
        report = get_object_or_404(PriorReport, pk=pk, expert__body=self.body)
        form = DecisionForm(request.POST, prefix=f"r{report.pk}")
        if form.is_valid():
            try:
                reports.decide(report, actor=request.user, to=form.cleaned_data["decision"],
                               reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已处理报备并通知专家。"))
                return redirect("experts:report-list", key=key)
        return self.get(request, key, form=form, form_pk=report.pk, status=400)


# ---------------------------------------------------------------------------
# training


class TrainingListView(StaffView):
    def get(self, request, key, form=None):
        from django.db.models import Count, Q

        qs = (TrainingSession.objects.filter(body=self.body)
              .annotate(taken=Count("enrolments"), present=Count("enrolments", filter=Q(enrolments__attended=True)))
              .order_by("-starts_at", "-pk"))
        ctx = paginate(request, qs, PAGE_SIZE)
        ctx.update(body=self.body, form=form or TrainingSessionForm())
        return render(request, "experts/self/staff_training.html", ctx, status=400 if form is not None else 200)

    def post(self, request, key):
        form = TrainingSessionForm(request.POST)
        if form.is_valid():
            try:
                training.create_session(self.body, actor=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("培训已创建，在库专家可在个人主页报名。"))
                return redirect("experts:training-list", key=key)
        return self.get(request, key, form=form)


class TrainingDetailView(StaffView):
    def get(self, request, key, pk, status=200):
        session = get_object_or_404(TrainingSession, pk=pk, body=self.body)
        enrolments = list(session.enrolments.select_related("expert").order_by("enrolled_at", "pk"))
        return render(request, "experts/self/staff_training_detail.html", {
            "body": self.body, "session": session, "enrolments": enrolments,
            "started": timezone.now() >= session.starts_at}, status=status)

    def post(self, request, key, pk):
        session = get_object_or_404(TrainingSession, pk=pk, body=self.body)
        try:
            training.record_attendance(session, actor=request.user, present_ids=request.POST.getlist("present"))
        except (ValidationError, PermissionDenied, ValueError) as exc:
            messages.error(request, _messages_of(exc))
            return self.get(request, key, pk, status=400)
        messages.success(request, _("出席情况已保存。"))
        return redirect("experts:training-detail", key=key, pk=pk)


# ---------------------------------------------------------------------------
# annual assessment


class AssessmentListView(StaffView):
    def get(self, request, key, form=None):
        rounds = AssessmentRound.objects.filter(body=self.body).select_related("signed_by").order_by("-year")
        return render(request, "experts/self/staff_assessments.html", {
            "body": self.body, "rounds": rounds,
            "form": form or OpenRoundForm(initial={"year": timezone.localdate().year - 1})},
            status=400 if form is not None else 200)

    def post(self, request, key):
        form = OpenRoundForm(request.POST)
        if form.is_valid():
            try:
                rnd = assessment.open_round(self.body, actor=request.user, year=form.cleaned_data["year"])
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已开启%(year)s年度考核。") % {"year": rnd.year})
                return redirect("experts:assessment-detail", key=key, pk=rnd.pk)
        return self.get(request, key, form=form)


class AssessmentDetailView(StaffView):
    def _round(self, pk):
        return get_object_or_404(AssessmentRound.objects.select_related("body", "signed_by"), pk=pk, body=self.body)

    def get(self, request, key, pk, bound=None, status=200):
        rnd = self._round(pk)
        qs = rnd.rows.select_related("expert", "reviewed_by").order_by("expert__certificate_no", "pk")
        if request.GET.get("format") == "xlsx":
            return self._export(rnd, qs)
        ctx = paginate(request, qs, PAGE_SIZE)
        for row in ctx["page_obj"].object_list:
            if bound is not None and bound[0] == row.pk:
                row.form = bound[1]
            else:
                row.form = ReviewRowForm(prefix=f"a{row.pk}", initial={"grade": row.grade, "comment": row.comment})
        ctx.update(body=self.body, round=rnd, open=rnd.status == AssessmentRound.Status.OPEN,
                   missing=rnd.rows.filter(grade="").count())
        return render(request, "experts/self/staff_assessment_detail.html", ctx, status=status)

    def post(self, request, key, pk):
        rnd = self._round(pk)
        if "sign_off" in request.POST:
            try:
                assessment.sign_off(rnd, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _messages_of(exc))
                return self.get(request, key, pk, status=400)
            messages.success(request, _("年度考核已签批，不能再修改。"))
            return redirect("experts:assessment-detail", key=key, pk=pk)
        row = get_object_or_404(AssessmentRow, pk=request.POST.get("row") or 0, round=rnd)
        form = ReviewRowForm(request.POST, prefix=f"a{row.pk}")
        if form.is_valid():
            try:
                assessment.review_row(row, actor=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("已保存考核意见。"))
                page = request.POST.get("page")
                url = f"{request.path}?page={page}" if page and page.isdigit() else request.path
                return redirect(url)
        return self.get(request, key, pk, bound=(row.pk, form), status=400)

    def _export(self, rnd, qs):
        headers = [_("证书编号"), _("姓名"), _("工作单位"), _("参加活动"), _("优秀"), _("一般"), _("差"), _("无故缺席"),
                   _("参加培训"), _("提出建议"), _("考核等次"), _("考核意见")]
        rows = [[r.expert.certificate_no, r.expert.public_name, r.expert.public_employer, r.engagements,
                 r.rated_excellent, r.rated_fair, r.rated_poor, r.unexcused_absences, r.trainings, r.proposals,
                 r.get_grade_display() if r.grade else "", r.comment] for r in qs]
        return xlsx_response(f"assessment-{self.body.key}-{rnd.year}.xlsx", _("%(year)s年度考核") % {"year": rnd.year},
                             headers, rows)


urlpatterns = [
    path("bodies/<slug:key>/changes/", ChangeListView.as_view(), name="change-list"),
    path("bodies/<slug:key>/changes/<int:pk>/acknowledge/", ChangeAcknowledgeView.as_view(), name="change-acknowledge"),
    path("bodies/<slug:key>/changes/<int:pk>/proof/", ChangeProofView.as_view(), name="change-proof"),
    path("bodies/<slug:key>/pool/<int:pk>/changes/new/", ChangeRecordView.as_view(), name="change-record"),
    path("bodies/<slug:key>/changes/record/", ChangeRecordLookupView.as_view(), name="change-record-lookup"),
    path("bodies/<slug:key>/proposals/", ProposalCompletionView.as_view(), name="proposal-completion"),
    path("bodies/<slug:key>/reports/", ReportListView.as_view(), name="report-list"),
    path("bodies/<slug:key>/reports/<int:pk>/decide/", ReportListView.as_view(), name="report-decide"),
    path("bodies/<slug:key>/training/", TrainingListView.as_view(), name="training-list"),
    path("bodies/<slug:key>/training/<int:pk>/", TrainingDetailView.as_view(), name="training-detail"),
    path("bodies/<slug:key>/assessments/", AssessmentListView.as_view(), name="assessment-list"),
    path("bodies/<slug:key>/assessments/<int:pk>/", AssessmentDetailView.as_view(), name="assessment-detail"),
]
