"""Comment rounds: the period in working days (国庆 2026), the deadline minute, invitations,
comments, the Excel upload (all or nothing), dispositions, closing and the summary form."""
from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from openpyxl import load_workbook

from portal.models import AuditEvent, Notification
from projects.models import Comment, CommentInvitation, CommentRound
from projects.services import comments as services
from tests.factories import UserFactory
from tests.projects.test_comments_support import (  # noqa: F401  (fixtures)
    TITLE, at, comment, docx_upload, jx, open_round, other_unit, pdf_upload, sheet_upload, staff, unit_user)

D = Comment.Disposition
pytestmark = pytest.mark.django_db


# --- the period -------------------------------------------------------------------------------


def test_deadline_over_national_day_2026_skips_the_holiday_and_counts_the_makeup_saturday(jx, staff, unit_user):
    # opened Tue 29 Sep: 30 Sep (1); 1–7 Oct 国庆 rest; 8 (2), 9 (3), Sat 10 Oct 调休上班 (4); Sun 11 rest; 12 (5)
    rnd = open_round(jx, staff, now=at(2026, 9, 29, 16), workdays_count=5, users=[unit_user])
    assert (rnd.starts_on, rnd.deadline_on) == (date(2026, 9, 29), date(2026, 10, 12))
    assert rnd.deadline_at == at(2026, 10, 13, 0, 0)
    assert rnd.provisional is False
    assert services.deadline_display(rnd) == "2026年10月12日 24:00"


def test_one_working_day_opened_the_day_before_national_day_ends_after_the_holiday(jx, staff, unit_user):
    rnd = open_round(jx, staff, now=at(2026, 9, 30, 9), workdays_count=1, users=[unit_user])
    assert rnd.deadline_on == date(2026, 10, 8)


def test_the_period_is_stored_on_the_round_with_the_audit_event(jx, staff, unit_user):
    rnd = open_round(jx, staff, workdays_count=5, users=[unit_user])
    event = AuditEvent.objects.get(action="projects.comment_round.open")
    assert event.data["workdays"] == 5 and event.data["deadline_on"] == "2026-10-12"
    assert rnd.workdays == 5 and rnd.status == CommentRound.Status.OPEN


@pytest.mark.parametrize("n, ok", [(0, False), (1, True), (60, True), (61, False)])
def test_workdays_must_be_between_1_and_60(jx, staff, unit_user, n, ok):
    if ok:
        assert open_round(jx, staff, workdays_count=n, users=[unit_user]).workdays == n
    else:
        with pytest.raises(services.CommentError) as exc:
            open_round(jx, staff, workdays_count=n, users=[unit_user])
        assert exc.value.message_dict["workdays_count"] == ["征求意见期限应为 1 至 60 个工作日。"]
        assert not CommentRound.objects.exists()


def test_comment_in_the_last_second_is_accepted_and_at_24_00_refused(jx, staff, unit_user):
    rnd = open_round(jx, staff, workdays_count=5, users=[unit_user])
    comment(rnd, unit_user, now=at(2026, 10, 12, 23, 59, 59))
    with pytest.raises(services.CommentError) as exc:
        comment(rnd, unit_user, now=at(2026, 10, 13, 0, 0))
    assert exc.value.messages == ["本次征求意见已于 2026年10月12日 24:00 截止，不再接受意见。"]
    assert Comment.objects.count() == 1


# --- the draft ----------------------------------------------------------------------------------


def test_a_docx_draft_is_accepted(jx, staff, unit_user):
    rnd = open_round(jx, staff, draft=docx_upload(), users=[unit_user])
    assert rnd.draft_content_type == services.DOCX and rnd.draft_name == "征求意见稿.docx"


def test_a_draft_that_is_not_pdf_or_docx_is_refused_and_nothing_is_saved(jx, staff, unit_user):
    fake = pdf_upload(name="草案.pdf", content=b"MZ\x90\x00 not a pdf")
    with pytest.raises(services.CommentError) as exc:
        open_round(jx, staff, draft=fake, users=[unit_user])
    assert exc.value.message_dict["draft"] == ["只接受 PDF 或 Word（.docx）文件；该文件的内容不是这两种格式之一。"]
    assert not CommentRound.objects.exists() and not AuditEvent.objects.filter(action__startswith="projects.").exists()


@override_settings(QUORUM_MAX_UPLOAD_BYTES=200)
def test_a_draft_over_the_size_limit_is_refused(jx, staff, unit_user):
    with pytest.raises(services.CommentError) as exc:
        open_round(jx, staff, draft=pdf_upload(content=b"%PDF-1.4" + b"x" * 300), users=[unit_user])
    assert exc.value.message_dict["draft"] == ["文件过大（308 B），单个文件不得超过 200 B。"]


def test_a_round_needs_an_invitee_or_the_public(jx, staff):
    with pytest.raises(services.CommentError) as exc:
        open_round(jx, staff)
    assert exc.value.message_dict["invitees"] == ["请邀请至少一个单位或个人，或向社会公开征求意见。"]


def test_only_manage_projects_may_open_a_round(jx, unit_user):
    with pytest.raises(PermissionDenied):
        open_round(jx, unit_user, is_public=True)


# --- invitations --------------------------------------------------------------------------------


def test_invitations_by_account_and_by_email_notify_each_once(jx, staff, unit_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rnd = open_round(jx, staff, users=[unit_user],
                         emails=[("Office@Unit-C.cn", "江西省农业科学院"), "chen@unit-a.cn"])
    inv = list(CommentInvitation.objects.order_by("id").values_list("user_id", "email", "unit"))
    assert inv == [(unit_user.pk, "chen@unit-a.cn", ""), (None, "office@unit-c.cn", "江西省农业科学院")]
    n = Notification.objects.get(user=unit_user, kind="comment_invitation")
    assert n.subject == f"征求意见：{TITLE}"
    assert "2026年10月12日 24:00" in n.text
    plain = [m for m in mail.outbox if m.to == ["office@unit-c.cn"]]
    assert len(plain) == 1 and f"/comments/{rnd.pk}/" in plain[0].body
    # inviting the same people again adds nobody
    assert services.invite(rnd, actor=staff, users=[unit_user], emails=["office@unit-c.cn"], now=at(2026, 9, 30)) == []


def test_an_email_invitation_lets_the_person_comment_once_they_sign_up_with_it(jx, staff):
    rnd = open_round(jx, staff, emails=["office@unit-c.cn"])
    newcomer = UserFactory(email="OFFICE@unit-c.cn", name="农科院 王工")
    assert services.may_comment(rnd, newcomer)
    c = comment(rnd, newcomer)
    assert c.respondent == newcomer


def test_a_user_who_was_not_invited_cannot_comment(jx, staff, unit_user, other_unit):
    rnd = open_round(jx, staff, users=[unit_user])
    with pytest.raises(PermissionDenied):
        comment(rnd, other_unit)


# --- comments -----------------------------------------------------------------------------------


def test_a_comment_needs_content_and_fits_the_column_limits(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    with pytest.raises(services.CommentError) as exc:
        comment(rnd, unit_user, content="  ", clause="x" * 101)
    assert exc.value.message_dict == {"content": ["请填写意见内容。"], "clause": ["不能超过 100 个字符。"]}


def test_respondents_edit_and_withdraw_their_own_comments_until_the_deadline(jx, staff, unit_user, other_unit):
    rnd = open_round(jx, staff, users=[unit_user, other_unit])
    c = comment(rnd, unit_user)
    services.update_comment(c, actor=unit_user, clause="第八条", content="改后的意见", now=at(2026, 10, 12, 23, 59))
    c.refresh_from_db()
    assert (c.clause, c.content) == ("第八条", "改后的意见")
    with pytest.raises(PermissionDenied):
        services.update_comment(c, actor=other_unit, content="x", now=at(2026, 10, 9))
    with pytest.raises(services.CommentError):
        services.update_comment(c, actor=unit_user, content="too late", now=at(2026, 10, 13, 0, 0))
    with pytest.raises(services.CommentError):
        services.withdraw_comment(c, actor=unit_user, now=at(2026, 10, 13, 0, 1))
    services.withdraw_comment(c, actor=unit_user, now=at(2026, 10, 12, 8))
    assert not Comment.objects.exists()


def test_public_comments_need_a_public_round_a_name_and_a_contact(jx, staff, unit_user):
    closed_to_public = open_round(jx, staff, users=[unit_user])
    with pytest.raises(PermissionDenied):
        services.submit_public_comment(closed_to_public, name="张三", contact="13800000000", content="意见",
                                       now=at(2026, 9, 30))
    rnd = open_round(jx, staff, is_public=True)
    with pytest.raises(services.CommentError) as exc:
        services.submit_public_comment(rnd, name="", contact=" ", content="意见", now=at(2026, 9, 30))
    assert exc.value.message_dict == {"name": ["请填写提出人姓名。"], "contact": ["请填写联系方式（不公开）。"]}
    c = services.submit_public_comment(rnd, name="张三", unit="南昌大学", contact="13800000000", clause="第三条",
                                       content="意见", ip="10.0.0.1", now=at(2026, 9, 30))
    assert (c.source, c.from_display, c.respondent) == (Comment.Source.PUBLIC, "张三（南昌大学）", None)


# --- Excel upload -------------------------------------------------------------------------------


def test_a_filled_form_becomes_one_comment_per_row(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    upload = sheet_upload([
        (1, "第五条", "建议增加秘书处职责。", "增加“负责会议记录”。", "职责不全。", "", ""),
        (2, None, None, None, None, None, None),  # blank row: skipped
        (3, "第九条", "专家委员会章程尚未发布。", "", "", "江西省林业科学院", ""),
    ])
    created = services.import_comments(rnd, upload, actor=unit_user, name="王工", unit="江西省农业科学院",
                                       now=at(2026, 10, 8))
    rows = [(c.clause, c.content, c.proposed_change, c.from_display, c.source) for c in created]
    assert rows == [
        ("第五条", "建议增加秘书处职责。", "增加“负责会议记录”。", "王工（江西省农业科学院）", "excel"),
        ("第九条", "专家委员会章程尚未发布。", "", "江西省林业科学院", "excel"),
    ]


def test_the_seed_header_wording_is_understood(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    upload = sheet_upload([(1, "第十条", "意见一", "江西省农业科学院", "")],
                          header=("序号", "制度文件章条编号", "意见内容", "提出人或提出单位意见", "处理意见"))
    [c] = services.import_comments(rnd, upload, actor=unit_user, now=at(2026, 10, 8))
    assert (c.clause, c.content, c.submitter_unit) == ("第十条", "意见一", "江西省农业科学院")


def test_a_bad_row_saves_nothing_and_names_the_row(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    upload = sheet_upload([
        (1, "第五条", "好的一行", "", "", "", ""),
        (2, "第六条", "", "只有建议", "", "", ""),          # row 5
        (3, "x" * 101, "章条编号太长", "", "", "", ""),      # row 6
    ])
    with pytest.raises(services.SheetError) as exc:
        services.import_comments(rnd, upload, actor=unit_user, now=at(2026, 10, 8))
    assert exc.value.messages == ["第 5 行：缺少意见内容", "第 6 行：“章条编号”不能超过 100 个字符"]
    assert not Comment.objects.exists()


def test_an_upload_that_is_not_xlsx_or_has_no_header_is_refused(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    with pytest.raises(ValidationError) as exc:
        services.import_comments(rnd, pdf_upload(name="意见.xlsx"), actor=unit_user, now=at(2026, 10, 8))
    assert exc.value.messages == ["只接受 Excel（.xlsx）文件，请使用下载的意见汇总表模板填写。"]
    with pytest.raises(services.SheetError) as exc:
        services.import_comments(rnd, sheet_upload([("a", "b")], header=("甲", "乙")), actor=unit_user,
                                 now=at(2026, 10, 8))
    assert exc.value.messages == ["没有找到表头（应包含“意见内容”列），请使用下载的意见汇总表模板填写。"]


def test_the_blank_template_parses_as_empty(jx, staff, unit_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rnd = open_round(jx, staff, users=[unit_user])
    blank = SimpleUploadedFile("t.xlsx", services.template_workbook(rnd))
    ws = load_workbook(blank).active
    assert [c.value for c in ws[3]] == ["序号", "章条编号", "意见内容", "修改建议", "理由", "提出人/单位", "处理意见"]
    assert ws["A1"].value == f"《{TITLE}》意见汇总表"
    blank.seek(0)
    with pytest.raises(services.SheetError) as exc:
        services.parse_sheet(blank)
    assert exc.value.messages == ["表格中没有填写任何意见。"]


def test_an_upload_after_the_deadline_is_refused(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    with pytest.raises(services.CommentError):
        services.import_comments(rnd, sheet_upload([(1, "第五条", "意见", "", "", "", "")]), actor=unit_user,
                                 now=at(2026, 10, 13, 0, 0))
    assert not Comment.objects.exists()


# --- disposition, closing, summary --------------------------------------------------------------


@pytest.mark.parametrize("disposition, reason, ok", [
    (D.ADOPTED, "", True), (D.PARTLY, "", False), (D.REJECTED, "", False), (D.PARTLY, "部分采纳的理由", True),
    (D.REJECTED, "不采纳的理由", True)])
def test_partly_and_not_adopted_need_a_reason(jx, staff, unit_user, disposition, reason, ok):
    rnd = open_round(jx, staff, users=[unit_user])
    c = comment(rnd, unit_user)
    if ok:
        services.dispose_comment(c, actor=staff, disposition=disposition, reason=reason, now=at(2026, 10, 14))
        c.refresh_from_db()
        assert (c.disposition, c.disposition_reason, c.disposed_by) == (disposition, reason, staff)
    else:
        with pytest.raises(services.CommentError) as exc:
            services.dispose_comment(c, actor=staff, disposition=disposition, reason=reason)
        assert exc.value.message_dict["reason"] == [f"“{D(disposition).label}”须说明理由。"]
        c.refresh_from_db()
        assert c.disposition == D.PENDING


def test_only_staff_disposition_and_the_respondent_is_told_once_per_round(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    a, b = comment(rnd, unit_user), comment(rnd, unit_user, clause="第八条")
    with pytest.raises(PermissionDenied):
        services.dispose_comment(a, actor=unit_user, disposition=D.ADOPTED)
    services.dispose_comment(a, actor=staff, disposition=D.ADOPTED, now=at(2026, 10, 14))
    services.dispose_comment(b, actor=staff, disposition=D.REJECTED, reason="已有规定", now=at(2026, 10, 14))
    services.dispose_comment(a, actor=staff, disposition=D.PARTLY, reason="改为部分采纳", now=at(2026, 10, 15))
    assert Notification.objects.filter(user=unit_user, kind="comment_disposed").count() == 1
    events = AuditEvent.objects.filter(action="projects.comment.dispose").order_by("seq")
    assert [e.data["after"]["disposition"] for e in events] == ["adopted", "rejected", "partly"]
    assert events.last().data["before"] == {"disposition": "adopted", "reason": ""}


def test_close_due_rounds_closes_at_the_deadline_once(jx, staff, unit_user):
    rnd = open_round(jx, staff, users=[unit_user])
    comment(rnd, unit_user)
    assert services.close_due_rounds(now=at(2026, 10, 12, 23, 59, 59)) == 0
    assert services.close_due_rounds(now=at(2026, 10, 13, 0, 0)) == 1
    assert services.close_due_rounds(now=at(2026, 10, 13, 0, 10)) == 0
    rnd.refresh_from_db()
    assert (rnd.status, rnd.closed_at) == (CommentRound.Status.CLOSED, at(2026, 10, 13, 0, 0))
    n = Notification.objects.get(user=staff, kind="comment_round_closed")
    assert "共收到 1 条意见" in n.text
    assert AuditEvent.objects.filter(action="projects.comment_round.close").count() == 1
    with pytest.raises(services.CommentError) as exc:
        comment(rnd, unit_user, now=at(2026, 10, 12, 12))  # closed: refused even with an earlier clock
    assert "已于 2026年10月12日 24:00 截止" in exc.value.messages[0]


def test_the_beat_task_is_registered_and_calls_the_service(jx, staff, unit_user, settings):
    from projects.tasks_comments import close_due_comment_rounds

    assert settings.CELERY_BEAT_SCHEDULE["close-due-comment-rounds"]["task"] == "projects.close-due-comment-rounds"
    assert "projects.tasks_comments" in settings.CELERY_IMPORTS
    assert close_due_comment_rounds.name == "projects.close-due-comment-rounds"
    open_round(jx, staff, users=[unit_user], now=at(2024, 12, 24))
    assert close_due_comment_rounds() == 1


def _disposed_round(jx, staff, unit_user, other_unit):
    rnd = open_round(jx, staff, users=[unit_user, other_unit])
    a = comment(rnd, unit_user, clause="第七条", content="意见甲", proposed_change="改为乙", reason="因为丙",
                now=at(2026, 9, 30, 9))
    b = comment(rnd, other_unit, clause="第十条（四）", content="意见丁", name="林娜", unit="", now=at(2026, 9, 30, 10))
    c = comment(rnd, unit_user, clause="", content="总体意见", now=at(2026, 9, 30, 11))
    comment(rnd, other_unit, clause="第十二条", content="尚未处理", now=at(2026, 9, 30, 12))
    services.dispose_comment(a, actor=staff, disposition=D.ADOPTED, now=at(2026, 10, 14))
    services.dispose_comment(b, actor=staff, disposition=D.PARTLY, reason="部分已体现", now=at(2026, 10, 14))
    services.dispose_comment(c, actor=staff, disposition=D.REJECTED, reason="超出范围", now=at(2026, 10, 14))
    return rnd


def test_summary_counts_and_rows_follow_the_seed_columns(jx, staff, unit_user, other_unit):
    from projects import selectors_comments as selectors

    rnd = _disposed_round(jx, staff, unit_user, other_unit)
    comments = selectors.summary_comments(rnd)
    counts = services.summary_counts(comments)
    assert services.counts_line(counts) == "共收到 4 条意见，采纳 1 条，部分采纳 1 条，未采纳 1 条"
    assert selectors.counts(rnd) == {**{k: counts[k] for k in ("total", "adopted", "partly", "rejected")},
                                     "pending": 1}
    assert services.summary_rows(comments) == [
        (1, "第七条", "意见甲\n修改建议：改为乙\n理由：因为丙", "成员单位 陈东（某某研究院）", "采纳"),
        (2, "第十条（四）", "意见丁", "林娜", "部分采纳：部分已体现"),
        (3, "", "总体意见", "成员单位 陈东（某某研究院）", "未采纳：超出范围"),
        (4, "第十二条", "尚未处理", "成员单位 林娜（某某研究院）", "待处理"),
    ]


def test_summary_workbook_has_title_counts_and_the_five_columns(jx, staff, unit_user, other_unit):
    import io

    from projects import selectors_comments as selectors

    rnd = _disposed_round(jx, staff, unit_user, other_unit)
    ws = load_workbook(io.BytesIO(services.summary_workbook(rnd, selectors.summary_comments(rnd)))).active
    assert ws["A1"].value == f"《{TITLE}》意见汇总处理表"
    assert ws["A2"].value == "赣标创发〔2024〕2号  共收到 4 条意见，采纳 1 条，部分采纳 1 条，未采纳 1 条"
    assert [c.value for c in ws[3]] == ["序号", "章条编号", "意见内容", "提出人/单位", "处理意见"]
    assert [c.value for c in ws[5]] == [2, "第十条（四）", "意见丁", "林娜", "部分采纳：部分已体现"]
    assert ws.max_row == 7


def test_demo_is_idempotent(demo):
    from projects.demo_comments import CLOSED_NUMBER, seed_comments_demo

    seed_comments_demo()
    closed = CommentRound.objects.get(number=CLOSED_NUMBER)
    assert (closed.status, closed.deadline_on) == (CommentRound.Status.CLOSED, date(2024, 12, 27))
    assert sorted(closed.comments.values_list("disposition", flat=True)) == ["adopted", "partly", "rejected"]
    assert CommentRound.objects.count() == 2
    assert CommentRound.objects.filter(is_public=True, status="open").count() == 1


def test_a_round_into_an_unpublished_year_is_provisional(jx, staff, unit_user):
    # chinese-calendar 1.11 knows 2026 but not 2027: the fallback rule decides and says so
    rnd = open_round(jx, staff, now=at(2026, 12, 28), workdays_count=5, users=[unit_user])
    assert rnd.provisional is True
    assert rnd.deadline_on == date(2027, 1, 5)  # 29, 30, 31 Dec; 1 Jan 元旦 (fixed) rest; Mon 4, Tue 5


def test_a_comment_that_looks_like_a_formula_is_exported_as_text(jx, staff, unit_user):
    import io

    from projects import selectors_comments as selectors

    rnd = open_round(jx, staff, users=[unit_user])
    comment(rnd, unit_user, clause="=1+1", content='=HYPERLINK("http://evil.example","点击")')
    wb = load_workbook(io.BytesIO(services.summary_workbook(rnd, selectors.summary_comments(rnd))))
    row = wb.active[4]
    assert (row[1].data_type, row[1].value) == ("s", "=1+1")
    assert row[2].data_type == "s"


@pytest.mark.parametrize("n, ok", [(500, True), (501, False)])
def test_an_upload_holds_at_most_500_comments(n, ok):
    upload = sheet_upload([(i, f"第{i}条", f"意见{i}", "", "", "", "") for i in range(1, n + 1)])
    if ok:
        assert len(services.parse_sheet(upload)) == 500
    else:
        with pytest.raises(services.SheetError) as exc:
            services.parse_sheet(upload)
        assert exc.value.messages == ["一次最多上传 500 条意见。"]
