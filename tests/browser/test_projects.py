"""The project lifecycle in a real browser: a unit applies, the office approves, the notice
appears publicly, another unit asks to join and is accepted (and confirmed by the office), a
milestone report is filed, the closing report is reviewed, the project is archived, and the
public statistics page shows it. Screenshot: docs/projects-stats.png (public statistics).
Plus axe checks on the project pages with the demo data."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD, demo_email
from portal.models import Role
from projects.models import JoinRequest, Organisation, Project
from projects.services.project_common import project_settings
from projects.services.project_notice import close_due_notices
from tests.factories import UserFactory, grant

DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "pw-Quorum-123"


def sign_in(page, base, email, password=PASSWORD):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login/"))


@pytest.mark.django_db(transaction=True)
def test_project_from_application_to_public_statistics(page, live_server, bodies):
    base = live_server.url
    body = bodies["jx-base"]
    office = UserFactory(name="办公室 徐丽", email="office@jx.example.cn")
    grant(office, body, Role.SECRETARIAT)
    owner = UserFactory(name="质标院 胡波", email="owner@jx.example.cn")
    other = UserFactory(name="绿色院 邹云", email="other@jx.example.cn")
    for u in (owner, other):
        grant(u, body, Role.MEMBER)
    Organisation.objects.create(body=body, name="江西省质量和标准化研究院").members.add(owner)
    Organisation.objects.create(body=body, name="江西绿色生态产业技术研究院").members.add(other)
    s = project_settings(body)
    s.closing_review_min_reviewers = 1
    s.save()

    # a unit applies (phone-sized screen)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, owner.email)
    page.goto(f"{base}/projects/")
    page.get_by_role("link", name=re.compile("申报项目")).click()
    page.get_by_label("项目名称").fill("绿色低碳园区评价标准")
    page.get_by_role("button", name="创建草稿").click()
    form = page.get_by_test_id("project-form")
    form.get_by_label("领域").select_option("industry")
    form.get_by_label("项目目标").fill("研制绿色低碳园区评价团体标准并开展试点。")
    form.get_by_label("预期成果").fill("团体标准 1 项；试点园区 2 个。")
    form.get_by_label("开始日期").fill("2026-04-01")
    form.get_by_label("结束日期").fill("2027-03-31")
    form.get_by_label("项目负责人").fill("胡波")
    form.get_by_label("里程碑", exact=True).fill("2026-06-30|完成标准草案\n2026-12-31|完成送审稿")
    form.get_by_label("项目团队").fill("胡波|江西省质量和标准化研究院|负责人")
    form.get_by_label("经费预算").fill("调研费|8|基地专项\n试点费|12.5|自筹")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("milestones")).to_contain_text("完成标准草案")
    page.get_by_role("button", name="提交申报").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("已提交，待审核")
    project = Project.objects.get(title="绿色低碳园区评价标准")

    # the office approves
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, office.email)
    page.goto(f"{base}/projects/{project.pk}/")
    review = page.get_by_test_id("review-form")
    review.get_by_label("同意立项").check()
    review.get_by_label("审核意见").fill("符合基地工作计划。")
    review.get_by_role("button", name="保存审核结论").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("立项公示中")

    # the notice appears publicly
    page.context.clear_cookies()
    page.goto(f"{base}/projects/notices/")
    page.get_by_test_id("project-notices").get_by_role("link", name="绿色低碳园区评价标准").click()
    expect(page.get_by_test_id("notice-period")).to_contain_text("公示期")
    expect(page.get_by_test_id("objection-form")).to_be_visible()

    # another unit asks to join
    sign_in(page, base, other.email)
    page.goto(f"{base}/projects/notices/{project.pk}/")
    join = page.get_by_test_id("join-form")
    join.get_by_label("拟承担角色").fill("试点单位")
    join.get_by_label("拟贡献内容").fill("承担两个园区的试点。")
    join.get_by_role("button", name="提交加入申请").click()
    expect(page.get_by_role("alert").first).to_contain_text("加入申请已提交")

    # the owner accepts, the office confirms
    sign_in(page, base, owner.email)
    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_role("button", name=re.compile("同意加入")).click()
    expect(page.get_by_test_id("join-requests")).to_contain_text("申报单位同意，待办公室确认")
    sign_in(page, base, office.email)
    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_role("button", name=re.compile("确认加入")).click()
    expect(page.get_by_test_id("partners")).to_contain_text("江西绿色生态产业技术研究院")
    assert JoinRequest.objects.get().status == JoinRequest.Status.CONFIRMED

    # the notice period ends (the beat task's service, run after the deadline)
    project.refresh_from_db()
    assert close_due_notices(now=project.notice_ends_at + timedelta(minutes=1)) == [project.pk]

    # a milestone report is filed, then the closing report
    sign_in(page, base, owner.email)
    page.goto(f"{base}/projects/{project.pk}/")
    progress = page.get_by_test_id("progress-form")
    progress.get_by_label("完成进度（%）").fill("100")
    progress.get_by_label("进展情况").fill("标准草案已完成并通过内部审查。")
    progress.get_by_role("button", name="提交进展报告").click()
    expect(page.get_by_test_id("milestones")).to_contain_text("100%")
    closing_form = page.get_by_test_id("closing-form")
    closing_form.get_by_label("结题报告").fill("项目已完成全部任务。")
    closing_form.get_by_label("项目成果").fill("标准|绿色低碳园区评价标准|T/JX 1-2026|是\n试点示范|高新区试点||是")
    closing_form.get_by_role("button", name="提交结题报告").click()
    expect(page.get_by_test_id("outputs")).to_contain_text("T/JX 1-2026")

    # the office assigns itself as reviewer, reviews, decides, archives
    sign_in(page, base, office.email)
    page.goto(f"{base}/projects/{project.pk}/")
    reviewers = page.get_by_test_id("reviewers-form")
    reviewers.get_by_label(re.compile("办公室 徐丽")).check()
    reviewers.get_by_role("button", name="指定评审人").click()
    my_review = page.get_by_test_id("my-review-form")
    my_review.get_by_label("评分（0–100）").fill("86")
    my_review.get_by_label("评审意见").fill("成果达到预期。")
    my_review.get_by_role("button", name="提交评审意见").click()
    expect(page.get_by_test_id("reviews")).to_contain_text("86")
    decision = page.get_by_test_id("closing-decision")
    decision.get_by_label("通过", exact=True).check()
    decision.get_by_label("结题意见").fill("同意结题。")
    decision.get_by_role("button", name="保存结题结论").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("已结题")
    page.get_by_role("button", name="归档项目").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("已归档")

    # the public statistics page shows it
    page.context.clear_cookies()
    page.goto(f"{base}/projects/results/")
    expect(page.get_by_test_id("stats-total")).to_contain_text("1")
    expect(page.get_by_test_id("table-status")).to_contain_text("已归档")
    expect(page.get_by_test_id("table-outputs")).to_contain_text("标准")
    expect(page.get_by_test_id("chart-unit")).to_be_visible()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "projects-stats.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_project_pages_have_no_serious_accessibility_violations(page, live_server, demo, login):
    from axe_playwright_python.sync_playwright import Axe

    notice = Project.objects.get(status="in_notice")
    archived = Project.objects.get(status="archived")
    adjusted = Project.objects.get(title="光伏电站生态修复技术指南")

    def check(paths):
        for path in paths:
            page.goto(live_server.url + path)
            results = Axe().run(page)
            serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
            assert serious == [], (path, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                                          for v in serious])

    check(["/projects/notices/", f"/projects/notices/{notice.pk}/", "/projects/results/"])
    login(demo_email("sec-jx-base"), DEMO_PASSWORD)
    check(["/projects/staff/jx-base/", "/projects/staff/jx-base/units/", f"/projects/{notice.pk}/",
           f"/projects/{archived.pk}/", f"/projects/{adjusted.pk}/"])
    page.context.clear_cookies()
    login(demo_email("unit-jxqs"), DEMO_PASSWORD)
    check(["/projects/", f"/projects/{adjusted.pk}/", f"/projects/{notice.pk}/"])
