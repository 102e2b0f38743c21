"""Rules and transitions of the project lifecycle, with boundary values."""
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal import workdays
from portal.models import AuditEvent, Notification
from projects.models import Announcement, JoinRequest, Partner, Project, ProjectObjection, ProjectVersion
from projects.services import project_application as app
from projects.services import project_closing as closing
from projects.services import project_implementation as impl
from projects.services import project_notice as notice
from projects.services.project_common import ProjectError, project_settings
from projects.workflows import PROJECT_FLOW
from tests.councils.factories import build_council

from .conftest import TZ, at, in_notice, in_progress, make_draft

S = Project.Status
PDF = b"%PDF-1.4\n%%EOF\n"


def test_submit_refuses_an_incomplete_draft_and_changes_nothing(world):
    p = app.create_project(world.org, actor=world.owner, title="空白项目", now=at(2026, 3, 2))
    with pytest.raises(ProjectError) as exc:
        app.submit_project(p, actor=world.owner)
    assert "请填写项目目标。" in exc.value.messages
    p.refresh_from_db()
    assert p.status == S.DRAFT and p.submitted_at is None


def test_only_accounts_of_the_unit_create_and_submit(world):
    with pytest.raises(ProjectError):
        app.create_project(world.org, actor=world.other, title="冒名申报")
    p = make_draft(world)
    with pytest.raises(PermissionDenied):
        app.submit_project(p, actor=world.other)
    with pytest.raises(PermissionDenied):
        app.update_project(p, actor=world.stranger, values={"title": "x"})


def test_return_and_resubmit(world):
    p = make_draft(world)
    app.submit_project(p, actor=world.owner, now=at(2026, 3, 2))
    with pytest.raises(ProjectError):
        app.return_project(p, actor=world.office, reason="  ")
    app.return_project(p, actor=world.office, reason="请补充经费来源。")
    p.refresh_from_db()
    assert p.status == S.RETURNED and p.return_reason == "请补充经费来源。"
    app.update_project(p, actor=world.owner, values={"budget_sources": "单位自筹"})
    app.submit_project(p, actor=world.owner)
    p.refresh_from_db()
    assert p.status == S.SUBMITTED
    assert AuditEvent.objects.filter(action="projects.project.submit", data__resubmission=True).count() == 1


def test_applicant_cannot_approve_own_project(world):
    p = make_draft(world)
    app.submit_project(p, actor=world.owner)
    with pytest.raises(PermissionDenied):
        app.approve_project(p, actor=world.owner)


def test_approval_publishes_notice_for_policy_workdays_and_freezes_version_1(world):
    p = in_notice(world, now=at(2026, 3, 2))  # Monday
    expected = workdays.deadline_end(date(2026, 3, 2), 5)
    assert p.status == S.IN_NOTICE
    assert p.notice_starts_on == date(2026, 3, 2)
    assert p.notice_ends_on == expected.end_date == date(2026, 3, 9)
    assert p.notice_ends_at == datetime(2026, 3, 10, 0, 0, tzinfo=TZ)
    assert p.number == "JX-BASE-XM-2026-001"
    assert p.versions.get().number == 1
    assert Announcement.objects.get(project=p).kind == "notice"


def test_notice_workdays_from_project_settings_override_policy(world):
    s = project_settings(world.body)
    s.notice_workdays = 7
    s.save()
    p = in_notice(world, now=at(2026, 3, 2))
    assert p.notice_ends_on == date(2026, 3, 11)


def test_join_request_on_the_last_day_of_the_notice_is_accepted(world):
    p = in_notice(world, now=at(2026, 3, 2))
    jr = notice.request_join(p, world.org2, actor=world.other, role="参与起草", contribution="提供数据",
                             now=at(2026, 3, 9, 23, 59))
    assert jr.status == JoinRequest.Status.PENDING


def test_join_request_the_day_after_the_notice_is_refused(world):
    p = in_notice(world, now=at(2026, 3, 2))
    with pytest.raises(ProjectError) as exc:
        notice.request_join(p, world.org2, actor=world.other, role="参与起草", contribution="提供数据",
                            now=at(2026, 3, 10, 0, 0))
    assert exc.value.messages == ["该项目不在公示期内，不能申请加入。"]
    assert not JoinRequest.objects.exists()


def test_join_request_rules(world):
    p = in_notice(world, now=at(2026, 3, 2))
    now = at(2026, 3, 3)
    with pytest.raises(ProjectError):
        notice.request_join(p, world.org, actor=world.owner, role="x", contribution="y", now=now)
    with pytest.raises(ProjectError):
        notice.request_join(p, world.org2, actor=world.owner, role="x", contribution="y", now=now)
    with pytest.raises(ProjectError):
        notice.request_join(p, world.org2, actor=world.other, role="", contribution="y", now=now)
    notice.request_join(p, world.org2, actor=world.other, role="x", contribution="y", now=now)
    with pytest.raises(ProjectError):
        notice.request_join(p, world.org2, actor=world.other, role="x", contribution="y", now=now)


def test_owner_accepts_and_staff_confirm_a_join_request(world, django_capture_on_commit_callbacks):
    p = in_notice(world, now=at(2026, 3, 2))
    jr = notice.request_join(p, world.org2, actor=world.other, role="试点单位", contribution="承担试点",
                             now=at(2026, 3, 3))
    with pytest.raises(PermissionDenied):
        notice.answer_join(jr, actor=world.other, accept=True)
    with pytest.raises(ValidationError):
        notice.confirm_join(jr, actor=world.office)  # not accepted yet → invalid move
    with django_capture_on_commit_callbacks(execute=False):
        notice.answer_join(jr, actor=world.owner, accept=True, now=at(2026, 3, 4))
    with pytest.raises(PermissionDenied):
        notice.confirm_join(jr, actor=world.owner)
    notice.confirm_join(jr, actor=world.office, now=at(2026, 3, 5))
    jr.refresh_from_db()
    assert jr.status == JoinRequest.Status.CONFIRMED
    partner = Partner.objects.get(project=p, organisation=world.org2)
    assert partner.role == "试点单位"
    assert Notification.objects.filter(user=world.other, kind="project_join_confirm").count() == 1


def test_owner_declines_a_join_request(world):
    p = in_notice(world, now=at(2026, 3, 2))
    jr = notice.request_join(p, world.org2, actor=world.other, role="x", contribution="y", now=at(2026, 3, 3))
    notice.answer_join(jr, actor=world.owner, accept=False, reason="分工已满")
    jr.refresh_from_db()
    assert jr.status == JoinRequest.Status.DECLINED
    assert not Partner.objects.filter(organisation=world.org2).exists()


def test_notice_closes_at_its_end_and_is_idempotent(world):
    p = in_notice(world, now=at(2026, 3, 2))
    assert notice.close_due_notices(now=at(2026, 3, 9, 23, 59)) == []
    assert notice.close_due_notices(now=at(2026, 3, 10, 0, 0)) == [p.pk]
    assert notice.close_due_notices(now=at(2026, 3, 10, 0, 10)) == []
    p.refresh_from_db()
    assert p.status == S.IN_PROGRESS


def test_undecided_objection_holds_the_notice_then_dismissal_lets_it_close(world):
    p = in_notice(world, now=at(2026, 3, 2))
    objection = notice.file_objection(p, name="张三", contact="13800000000", facts="该项目与已有标准重复。",
                                      now=at(2026, 3, 5))
    assert notice.close_due_notices(now=at(2026, 3, 11)) == []
    with pytest.raises(ProjectError):  # decided only once accepted
        notice.decide_objection(objection, actor=world.office, upheld=False, reason="不重复。")
    notice.accept_objection(objection, actor=world.office, now=at(2026, 3, 6))
    objection.refresh_from_db()
    # 15 working days from Friday 6 March 2026: 27 March, 24:00
    assert objection.decide_by == datetime(2026, 3, 28, 0, 0, tzinfo=TZ)
    assert notice.close_due_notices(now=at(2026, 3, 11)) == []
    notice.decide_objection(objection, actor=world.office, upheld=False, reason="不重复。", now=at(2026, 3, 11))
    assert notice.close_due_notices(now=at(2026, 3, 11, 0, 10)) == [p.pk]


def test_upheld_objection_stops_the_project(world):
    p = in_notice(world, now=at(2026, 3, 2))
    objection = notice.file_objection(p, name="张三", contact="13800000000", facts="申报材料不实。", now=at(2026, 3, 5))
    with pytest.raises(PermissionDenied):
        notice.accept_objection(objection, actor=world.owner)
    notice.accept_objection(objection, actor=world.office)
    with pytest.raises(PermissionDenied):
        notice.decide_objection(objection, actor=world.owner, upheld=True, reason="x")
    notice.decide_objection(objection, actor=world.office, upheld=True, reason="经核实，材料不实。")
    p.refresh_from_db()
    assert p.status == S.STOPPED
    assert ProjectObjection.objects.get().status == "upheld"


def test_objection_after_the_notice_is_refused(world):
    p = in_notice(world, now=at(2026, 3, 2))
    with pytest.raises(ProjectError):
        notice.file_objection(p, name="张三", contact="1", facts="理由理由理由理由", now=at(2026, 3, 10))


def test_council_decision_passed_publishes_and_is_idempotent(world):
    build_council(world.body, people=6)
    s = project_settings(world.body)
    s.requires_council_decision = True
    s.save()
    p = make_draft(world)
    app.submit_project(p, actor=world.owner)
    app.approve_project(p, actor=world.office, now=at(2026, 3, 2))
    p.refresh_from_db()
    assert p.status == S.AWAITING_COUNCIL and p.notice_ends_on is None
    app.record_council_decision(p, passed=True, motion_ref="JX-2026-M7", now=at(2026, 3, 16))
    p.refresh_from_db()
    assert p.status == S.IN_NOTICE and p.council_motion_ref == "JX-2026-M7"
    assert p.notice_starts_on == date(2026, 3, 16)
    again = app.record_council_decision(p, passed=False, motion_ref="JX-2026-M7")
    assert again.status == S.IN_NOTICE


def test_council_decision_failed_rejects(world):
    build_council(world.body, people=6)
    s = project_settings(world.body)
    s.requires_council_decision = True
    s.save()
    p = make_draft(world)
    app.submit_project(p, actor=world.owner)
    app.approve_project(p, actor=world.office)
    app.record_council_decision(p, passed=False, motion_ref="M8")
    p.refresh_from_db()
    assert p.status == S.REJECTED and "M8" in p.decision_reason


def test_attachment_checks_type_and_size(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = make_draft(world)
    with pytest.raises(ValidationError):
        app.add_document(p, actor=world.owner, title="x", upload=SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf"))
    settings.QUORUM_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError):
        app.add_document(p, actor=world.owner, title="x", upload=SimpleUploadedFile("a.pdf", PDF + b"x" * 20))
    settings.QUORUM_MAX_UPLOAD_BYTES = 1024
    doc = app.add_document(p, actor=world.owner, title="申报书", upload=SimpleUploadedFile("a.pdf", PDF))
    assert doc.content_type == "application/pdf" and p.documents.count() == 1


def test_progress_report_and_reminders_once_before_and_after(world):
    p = in_progress(world)
    m = p.milestones.get(title="标准草案")  # due 2026-06-30; reminder 7 days before
    assert impl.remind_milestones(now=at(2026, 6, 22)) == {"before": 0, "after": 0}
    assert impl.remind_milestones(now=at(2026, 6, 23)) == {"before": 1, "after": 0}
    assert impl.remind_milestones(now=at(2026, 6, 24)) == {"before": 0, "after": 0}
    assert impl.remind_milestones(now=at(2026, 6, 30)) == {"before": 0, "after": 0}
    assert impl.remind_milestones(now=at(2026, 7, 1)) == {"before": 0, "after": 1}
    assert impl.remind_milestones(now=at(2026, 7, 2)) == {"before": 0, "after": 0}
    impl.file_progress_report(m, actor=world.owner, text="草案完成", progress=100, now=at(2026, 7, 2))
    m.refresh_from_db()
    assert m.progress == 100 and m.done_on == date(2026, 7, 2)
    with pytest.raises(ProjectError):
        impl.file_progress_report(m, actor=world.owner, text="x", progress=101)


def test_adjustment_approved_makes_a_version_with_what_changed_and_who_approved(world):
    p = in_progress(world)
    adj = impl.request_adjustment(p, actor=world.owner, kind="timeline", reason="试点推迟",
                                  changes={"ends_on": "2027-06-30"})
    with pytest.raises(ProjectError):
        impl.request_adjustment(p, actor=world.owner, kind="scope", reason="x", changes={"goals": "y"})
    with pytest.raises(PermissionDenied):
        impl.decide_adjustment(adj, actor=world.owner, approve=True)
    impl.decide_adjustment(adj, actor=world.approver, approve=True, reason="同意")
    p.refresh_from_db()
    assert p.ends_on == date(2027, 6, 30) and p.version == 2
    v = ProjectVersion.objects.get(project=p, number=2)
    assert v.changed == {"ends_on": {"before": "2027-03-31", "after": "2027-06-30"}}
    assert v.approved_by == world.approver and v.adjustment == adj


def test_budget_and_members_adjustments(world):
    p = in_progress(world)
    adj = impl.request_adjustment(p, actor=world.owner, kind="budget", reason="增加试点",
                                  changes={"lines": [{"item": "试点费", "amount": "20", "source": "自筹"}]})
    impl.decide_adjustment(adj, actor=world.approver, approve=True)
    assert list(p.budget_lines.values_list("item", flat=True)) == ["试点费"]
    adj = impl.request_adjustment(p, actor=world.owner, kind="members", reason="增加人员",
                                  changes={"add": [{"name": "王五", "unit_name": "质标院", "role": "core"}]})
    impl.decide_adjustment(adj, actor=world.approver, approve=False, reason="人员已足够")
    assert not p.team.filter(name="王五").exists()
    with pytest.raises(ProjectError):
        impl.request_adjustment(p, actor=world.owner, kind="budget", reason="x",
                                changes={"lines": [{"item": "a", "amount": "-1", "source": ""}]})


def test_termination_needs_reason_and_approval_and_is_announced(world):
    p = in_progress(world)
    with pytest.raises(ProjectError):
        impl.request_termination(p, actor=world.owner, reason=" ")
    impl.request_termination(p, actor=world.owner, reason="技术路线无法继续")
    with pytest.raises(PermissionDenied):
        impl.decide_termination(p, actor=world.office, approve=True)
    impl.decide_termination(p, actor=world.approver, approve=True)
    p.refresh_from_db()
    assert p.status == S.TERMINATED
    assert Announcement.objects.filter(project=p, kind="termination").count() == 1


def _closing(world):
    p = in_progress(world)
    report = closing.submit_closing_report(p, actor=world.owner, summary="已完成", outputs=[
        ("standard", "绿色低碳园区评价标准", "T/JX 1-2026", True), ("pilot", "试点园区", "", False)])
    return p, report


def test_closing_decision_needs_the_minimum_number_of_reviews(world):
    p, report = _closing(world)
    closing.assign_reviewers(report, actor=world.office, reviewers=[world.office, world.approver])
    first, second = report.reviews.order_by("pk")
    closing.submit_review(first, actor=first.reviewer, score=80, comments="好")
    with pytest.raises(ProjectError) as exc:
        closing.decide_closing(p, actor=world.office, outcome="accepted", reason="同意")
    assert exc.value.messages == ["已完成评审 1 人，至少需要 2 人评审后才能作出结题结论。"]
    closing.submit_review(second, actor=second.reviewer, score=70, comments="可")
    closing.decide_closing(p, actor=world.office, outcome="accepted", reason="同意")
    p.refresh_from_db()
    assert p.status == S.CLOSED
    assert closing.review_summary(report) == {"count": 2, "average": 75.0, "pass_score": 60, "passes": True}


def test_reviewers_are_staff_or_accepted_experts(world):
    _p, report = _closing(world)
    with pytest.raises(ProjectError):
        closing.assign_reviewers(report, actor=world.office, reviewers=[world.stranger])
    with pytest.raises(PermissionDenied):
        closing.assign_reviewers(report, actor=world.owner, reviewers=[world.office])
    closing.assign_reviewers(report, actor=world.office, reviewers=[world.office])
    review = report.reviews.get()
    with pytest.raises(PermissionDenied):
        closing.submit_review(review, actor=world.approver, score=90, comments="x")
    with pytest.raises(ProjectError):
        closing.submit_review(review, actor=world.office, score=101, comments="x")


def test_revision_then_resubmission_then_archive(world):
    s = project_settings(world.body)
    s.closing_review_min_reviewers = 1
    s.save()
    p, report = _closing(world)
    closing.assign_reviewers(report, actor=world.office, reviewers=[world.office])
    closing.submit_review(report.reviews.get(), actor=world.office, score=59, comments="不足")
    assert closing.review_summary(report)["passes"] is False  # 59 < 60: below the pass score
    closing.decide_closing(p, actor=world.office, outcome="revision", reason="补充试点数据")
    p.refresh_from_db()
    assert p.status == S.REVISION
    report2 = closing.submit_closing_report(p, actor=world.owner, summary="已补充", outputs=[])
    assert report2.round == 2
    closing.assign_reviewers(report2, actor=world.office, reviewers=[world.office])
    closing.submit_review(report2.reviews.get(), actor=world.office, score=90, comments="好")
    closing.decide_closing(p, actor=world.office, outcome="failed", reason="未达到预期")
    closing.archive_project(p, actor=world.office)
    p.refresh_from_db()
    assert p.status == S.ARCHIVED and p.archived_at is not None


def test_adjustment_on_an_archived_project_is_refused_with_a_clear_message(world):
    s = project_settings(world.body)
    s.closing_review_min_reviewers = 1
    s.save()
    p, report = _closing(world)
    closing.assign_reviewers(report, actor=world.office, reviewers=[world.office])
    closing.submit_review(report.reviews.get(), actor=world.office, score=90, comments="好")
    closing.decide_closing(p, actor=world.office, outcome="accepted", reason="同意")
    closing.archive_project(p, actor=world.office)
    for call in (
        lambda: impl.request_adjustment(p, actor=world.owner, kind="timeline", reason="x",
                                        changes={"ends_on": "2027-12-31"}),
        lambda: impl.add_team_member(p, actor=world.owner, name="a", unit_name="b"),
        lambda: impl.request_termination(p, actor=world.owner, reason="x"),
        lambda: app.update_project(p, actor=world.owner, values={"title": "x"}),
        lambda: closing.archive_project(p, actor=world.office),
        lambda: closing.submit_closing_report(p, actor=world.owner, summary="x", outputs=[]),
        lambda: closing.decide_closing(p, actor=world.office, outcome="accepted", reason="x"),
    ):
        with pytest.raises(ProjectError) as exc:
            call()
        assert exc.value.messages == ["项目已归档，不能调整"]
    assert p.adjustments.count() == 0


def test_flow_every_state_reachable_and_archive_terminal():
    reachable = {S.DRAFT}
    frontier = [S.DRAFT]
    while frontier:
        cur = frontier.pop()
        for (a, b) in PROJECT_FLOW.transitions:
            if a == cur and b not in reachable:
                reachable.add(b)
                frontier.append(b)
    assert reachable == set(S.values)
    assert not [b for (a, b) in PROJECT_FLOW.transitions if a == S.ARCHIVED]
    held = {"manage_projects", "approve"}
    assert {n for n in PROJECT_FLOW.transitions.values() if not n.startswith("@")} <= held


def test_every_step_is_audited(world):
    p = in_progress(world)
    actions = set(AuditEvent.objects.filter(body=world.body).values_list("action", flat=True))
    assert {"projects.project.create", "projects.project.update", "projects.project.submit",
            "projects.project.approve", "projects.notice.publish", "projects.notice.close"} <= actions
    assert p.started_at is not None



@pytest.mark.parametrize("score,passes", [(59, False), (60, True), (61, True)])
def test_review_average_against_the_pass_score(world, score, passes):
    p, report = _closing(world)
    closing.assign_reviewers(report, actor=world.office, reviewers=[world.office])
    closing.submit_review(report.reviews.get(), actor=world.office, score=score, comments="意见")
    assert closing.review_summary(report)["passes"] is passes


def test_declined_objection_does_not_hold_the_notice(world):
    p = in_notice(world, now=at(2026, 3, 2))
    objection = notice.file_objection(p, name="张三", contact="1", facts="没有具体事实的异议。", now=at(2026, 3, 5))
    with pytest.raises(ProjectError):
        notice.decline_objection(objection, actor=world.office, reason="")
    notice.decline_objection(objection, actor=world.office, reason="未提供具体事实。")
    assert notice.close_due_notices(now=at(2026, 3, 10)) == [p.pk]
