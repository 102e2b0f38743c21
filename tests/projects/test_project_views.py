"""Views: permissions, forms with clear messages, public pages without personal data,
constant query counts on list pages, the Excel export."""
from datetime import date
from io import BytesIO

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Output, Project, ProjectObjection
from projects.services import project_application as app
from projects.services import project_closing as closing

from .conftest import at, in_notice, in_progress, make_draft

S = Project.Status


def many_projects(world, n):
    statuses = [S.IN_NOTICE, S.IN_PROGRESS, S.CLOSED, S.ARCHIVED, S.DRAFT]
    fields = [c for c, _l in Project.Field.choices]
    objs = Project.objects.bulk_create([
        Project(body=world.body, owner_org=world.org if i % 2 else world.org2, created_by=world.owner,
                title=f"项目{i}", number=f"JX-{i}", status=statuses[i % len(statuses)], field=fields[i % len(fields)],
                year=2024 + i % 3, notice_starts_on=date(2026, 3, 2), notice_ends_on=date(2026, 3, 9),
                notice_ends_at=at(2026, 3, 10, 0))
        for i in range(n)])
    Output.objects.bulk_create([Output(project=p, kind="standard", title="标准", published=i % 2 == 0)
                                for i, p in enumerate(objs)])
    return objs


def test_public_pages_need_no_login(client, world):
    p = in_notice(world, now=at(2026, 3, 2))
    assert client.get(reverse("projects:notice-list")).status_code == 200
    assert client.get(reverse("projects:results")).status_code == 200
    resp = client.get(reverse("projects:public-detail", args=[p.pk]))
    assert resp.status_code == 200
    draft = make_draft(world, title="未公开的草稿")
    assert client.get(reverse("projects:public-detail", args=[draft.pk])).status_code == 404


def test_project_page_hidden_from_other_users(client, world):
    p = make_draft(world)
    client.force_login(world.stranger)
    assert client.get(reverse("projects:detail", args=[p.pk])).status_code == 404
    client.force_login(world.other)
    assert client.get(reverse("projects:detail", args=[p.pk])).status_code == 404
    client.force_login(world.owner)
    assert client.get(reverse("projects:detail", args=[p.pk])).status_code == 200
    client.force_login(world.office)
    assert client.get(reverse("projects:detail", args=[p.pk])).status_code == 200


def test_staff_list_and_export_need_staff(client, world):
    url = reverse("projects:staff-list", args=[world.body.key])
    assert client.get(url).status_code == 302  # login
    client.force_login(world.owner)
    assert client.get(url).status_code == 403
    assert client.get(reverse("projects:staff-export", args=[world.body.key])).status_code == 403


def test_new_project_only_for_unit_accounts(client, world):
    client.force_login(world.stranger)
    assert client.get(reverse("projects:new", args=[world.body.key])).status_code == 403
    client.force_login(world.owner)
    resp = client.post(reverse("projects:new", args=[world.body.key]),
                       {"organisation": world.org.pk, "title": "新项目"})
    p = Project.objects.get(title="新项目")
    assert resp.url == reverse("projects:edit", args=[p.pk])


def test_edit_form_reports_the_bad_line_and_changes_nothing(client, world):
    p = make_draft(world)
    client.force_login(world.owner)
    data = {"title": "改名", "field": "industry", "milestones": "2026-06-30|草案\n2026-13-01|送审稿",
            "team": "", "partners": "", "budget": "调研费|八万|专项"}
    resp = client.post(reverse("projects:edit", args=[p.pk]), data)
    assert resp.status_code == 200
    content = resp.content.decode()
    assert "第 2 行：日期“2026-13-01”无效" in content
    assert "第 1 行：金额“八万”不是数字。" in content
    p.refresh_from_db()
    assert p.title == "绿色低碳园区评价标准" and p.milestones.count() == 2


def test_review_form_requires_reason_for_return(client, world):
    p = make_draft(world)
    app.submit_project(p, actor=world.owner)
    client.force_login(world.office)
    resp = client.post(reverse("projects:review", args=[p.pk]), {"decision": "return", "reason": ""})
    assert resp.status_code == 400
    assert "退回或不予立项时请填写理由。" in resp.content.decode()
    p.refresh_from_db()
    assert p.status == S.SUBMITTED
    client.force_login(world.owner)
    resp = client.post(reverse("projects:review", args=[p.pk]), {"decision": "approve", "reason": ""})
    assert resp.status_code == 400 and "您没有执行此操作的权限" in resp.content.decode()


def test_public_objection_form_keeps_identity_private_and_is_rate_limited(client, world, settings):
    cache.clear()
    settings.QUORUM_OBJECTION_RATE = (1, 3600)
    p = in_notice(world)
    from django.utils import timezone

    Project.objects.filter(pk=p.pk).update(notice_ends_at=timezone.now() + timezone.timedelta(days=3))
    url = reverse("projects:objection", args=[p.pk])
    data = {"name": "异议人李四", "contact": "13912345678", "facts": "该项目申报材料与事实不符，请核查。"}
    resp = client.post(url, data)
    assert resp.status_code == 302
    assert ProjectObjection.objects.count() == 1
    page = client.get(reverse("projects:public-detail", args=[p.pk])).content.decode()
    assert "异议人李四" not in page and "13912345678" not in page
    resp = client.post(url, data)
    assert resp.status_code == 400 and "提交过于频繁" in resp.content.decode()
    assert ProjectObjection.objects.count() == 1
    cache.clear()


def test_public_objection_form_bad_input(client, world):
    cache.clear()
    p = in_notice(world)
    resp = client.post(reverse("projects:objection", args=[p.pk]), {"name": "", "contact": "", "facts": "短"})
    assert resp.status_code == 400
    assert ProjectObjection.objects.count() == 0


def test_join_from_public_page(client, world):
    p = in_notice(world)
    from django.utils import timezone

    Project.objects.filter(pk=p.pk).update(notice_ends_at=timezone.now() + timezone.timedelta(days=3))
    client.force_login(world.other)
    page = client.get(reverse("projects:public-detail", args=[p.pk])).content.decode()
    assert 'data-testid="join-form"' in page
    resp = client.post(reverse("projects:join", args=[p.pk]),
                       {"organisation": world.org2.pk, "role": "", "contribution": "数据"})
    assert resp.status_code == 400
    resp = client.post(reverse("projects:join", args=[p.pk]),
                       {"organisation": world.org2.pk, "role": "试点", "contribution": "数据"})
    assert resp.status_code == 302 and p.join_requests.count() == 1


def test_archived_project_page_offers_no_actions_and_refuses_posts(client, world):
    from projects.services.project_common import project_settings

    s = project_settings(world.body)
    s.closing_review_min_reviewers = 1
    s.save()
    p = in_progress(world)
    report = closing.submit_closing_report(p, actor=world.owner, summary="完成", outputs=[])
    closing.assign_reviewers(report, actor=world.office, reviewers=[world.office])
    closing.submit_review(report.reviews.get(), actor=world.office, score=90, comments="好")
    closing.decide_closing(p, actor=world.office, outcome="accepted", reason="同意")
    closing.archive_project(p, actor=world.office)
    client.force_login(world.owner)
    page = client.get(reverse("projects:detail", args=[p.pk])).content.decode()
    assert "项目已归档，所有内容只读。" in page and 'data-testid="adjust-form"' not in page
    resp = client.post(reverse("projects:adjust", args=[p.pk]),
                       {"kind": "timeline", "reason": "延期", "ends_on": "2027-12-31"})
    assert resp.status_code == 400 and "项目已归档，不能调整" in resp.content.decode()


@pytest.mark.parametrize("n", [1, 40])
def test_public_stats_constant_queries(client, world, django_assert_max_num_queries, n):
    many_projects(world, n)
    with django_assert_max_num_queries(10):
        resp = client.get(reverse("projects:results"))
    assert resp.status_code == 200
    assert 'role="img"' in resp.content.decode()


@pytest.mark.parametrize("n", [1, 60])
def test_staff_list_constant_queries(client, world, django_assert_max_num_queries, n):
    many_projects(world, n)
    client.force_login(world.office)
    with django_assert_max_num_queries(14):
        resp = client.get(reverse("projects:staff-list", args=[world.body.key]))
    assert resp.status_code == 200


@pytest.mark.parametrize("n", [1, 40])
def test_my_projects_and_notice_list_constant_queries(client, world, django_assert_max_num_queries, n):
    many_projects(world, n)
    client.force_login(world.owner)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("projects:mine")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("projects:notice-list")).status_code == 200


def test_public_stats_values(world):
    from projects.selectors import public_stats

    many_projects(world, 10)
    stats = public_stats()
    assert stats["total"] == 8  # drafts are not public
    assert {r["key"]: r["value"] for r in stats["by_status"]} == {"in_notice": 2, "in_progress": 2, "closed": 2,
                                                                   "archived": 2}
    assert stats["outputs"][0]["value"] == 8 and stats["outputs"][0]["published"] == 4


def test_staff_export(client, world):
    many_projects(world, 3)
    client.force_login(world.office)
    resp = client.get(reverse("projects:staff-export", args=[world.body.key]))
    wb = load_workbook(BytesIO(resp.content))
    rows = list(wb.active.values)
    assert rows[0][0] == "项目编号" and len(rows) == 4
    assert rows[1][0] == "JX-0" and rows[1][13] == 1


def test_project_page_shows_the_history_of_decisions(client, world):
    p = make_draft(world)
    app.submit_project(p, actor=world.owner, now=at(2026, 3, 2))
    app.return_project(p, actor=world.office, reason="请补充经费来源。", now=at(2026, 3, 3))
    client.force_login(world.owner)
    page = client.get(reverse("projects:detail", args=[p.pk])).content.decode()
    assert "退回修改：请补充经费来源。" in page and "提交申报" in page


def test_versions_show_what_changed_and_who_approved(client, world):
    from projects.services import project_implementation as impl

    p = in_progress(world)
    adj = impl.request_adjustment(p, actor=world.owner, kind="timeline", reason="试点推迟",
                                  changes={"ends_on": "2027-06-30"})
    impl.decide_adjustment(adj, actor=world.approver, approve=True, reason="同意")
    client.force_login(world.owner)
    page = client.get(reverse("projects:detail", args=[p.pk])).content.decode()
    assert "结束日期：2027-03-31 → 2027-06-30" in page and "批准人：审批人 王敏" in page


@pytest.mark.parametrize("n", [1, 25])
def test_project_page_queries_do_not_grow_with_its_lists(client, world, django_assert_max_num_queries, n):
    from projects.models import JoinRequest, Milestone, Partner, TeamMember

    p = in_notice(world)
    Milestone.objects.bulk_create([Milestone(project=p, title=f"m{i}", due_on=date(2026, 6, 1)) for i in range(n)])
    TeamMember.objects.bulk_create([TeamMember(project=p, name=f"t{i}", unit_name="u") for i in range(n)])
    Partner.objects.bulk_create([Partner(project=p, unit_name=f"p{i}") for i in range(n)])
    JoinRequest.objects.create(project=p, organisation=world.org2, requested_by=world.other, role="r",
                               contribution="c", requested_at=at(2026, 3, 3))
    client.force_login(world.office)
    with django_assert_max_num_queries(34):
        resp = client.get(reverse("projects:detail", args=[p.pk]))
    assert resp.status_code == 200


def test_staff_accept_then_decide_an_objection_on_the_project_page(client, world):
    from projects.services import project_notice as notice

    p = in_notice(world)
    objection = notice.file_objection(p, name="张三", contact="1", facts="申报材料不实，请核查。", now=at(2026, 3, 3))
    client.force_login(world.owner)
    assert 'data-testid="objections"' not in client.get(reverse("projects:detail", args=[p.pk])).content.decode()
    client.post(reverse("projects:objection-handle", args=[objection.pk]), {"accept": "1", "reason": "受理"})
    objection.refresh_from_db()
    assert objection.status == "filed"  # the unit cannot accept
    client.force_login(world.office)
    page = client.get(reverse("projects:detail", args=[p.pk])).content.decode()
    assert "张三" in page and 'data-testid="objection-handle"' in page
    client.post(reverse("projects:objection-handle", args=[objection.pk]), {"accept": "1", "reason": "受理"})
    objection.refresh_from_db()
    assert objection.status == "accepted" and objection.decide_by is not None
    client.post(reverse("projects:objection-decide", args=[objection.pk]), {"upheld": "1", "reason": "属实"})
    p.refresh_from_db()
    assert p.status == S.STOPPED


def test_staff_export_keeps_the_list_filters(client, world):
    many_projects(world, 10)
    client.force_login(world.office)
    resp = client.get(reverse("projects:staff-export", args=[world.body.key]) + "?status=archived")
    rows = list(load_workbook(BytesIO(resp.content)).active.values)
    assert [r[0] for r in rows[1:]] == ["JX-3", "JX-8"]


def test_closing_report_pdf(client, world):
    import pypdfium2 as pdfium

    p = in_progress(world)
    report = closing.submit_closing_report(p, actor=world.owner, summary="项目已完成全部任务。",
                                           outputs=[("standard", "绿色低碳园区评价标准", "T/JX 1-2026", True)])
    closing.assign_reviewers(report, actor=world.office, reviewers=[world.office])
    closing.submit_review(report.reviews.get(), actor=world.office, score=88, comments="成果达到预期。")
    client.force_login(world.stranger)
    assert client.get(reverse("projects:closing-pdf", args=[p.pk])).status_code == 404
    client.force_login(world.owner)
    resp = client.get(reverse("projects:closing-pdf", args=[p.pk]))
    assert resp["Content-Type"] == "application/pdf"
    doc = pdfium.PdfDocument(resp.content)
    text = doc[0].get_textpage().get_text_range()
    assert "项目结题报告" in text and "T/JX 1-2026" in text and "88" in text
